package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.server.TestServer.Response;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** One shape for one mistake on every route: malformed JSON is `malformed_json` at `$`, never the text it was sent. */
class ErrorShapeTest extends ServerTest {
  private final String alice = TestIdentity.token("alice", "supervisor");

  @Test
  void malformedJson_hasOneCodeAndPath_onEveryRoute() throws Exception {
    String id = t.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY).json().get("decision_id").asText();
    for (String path : new String[] {"/v1/decisions", "/v1/decisions/" + id + "/challenge", "/v1/decisions/" + id + "/approvals",
        "/v1/decisions/" + id + "/cancel", "/v1/keys"}) {
      Response r = t.postAs(alice, path, UUID.randomUUID().toString(), "{\"unterminated\": \"secret-looking-tok");
      assertThat(r.status()).as(path + " " + r).isEqualTo(400);
      JsonNode error = r.json().get("errors").get(0);
      assertThat(error.get("code").asText()).as(path).isEqualTo("malformed_json");
      assertThat(error.get("path").asText()).as(path).isEqualTo("$");
      assertThat(r.body()).as(path).doesNotContain("secret-looking-tok");
    }
  }

  @Test
  void aPublicKeyOfTheWrongType_isWrongType() throws Exception {
    Response r = t.postAs(alice, "/v1/keys", "k-1", "{\"public_key\": 5}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().get("errors").get(0).get("code").asText()).isEqualTo("wrong_type");
    Response missing = t.postAs(alice, "/v1/keys", "k-2", "{}");
    assertThat(missing.json().get("errors").get(0).get("code").asText()).isEqualTo("missing_field");
  }
}
