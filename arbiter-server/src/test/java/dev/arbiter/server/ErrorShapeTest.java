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

  /**
   * Black-box run: {@code GET /v1/decisions/ghp_…} answered {@code no decision `ghp_…`}, while every
   * 400 masks input that looks like a credential. The id in a 404 (and a path in a 404 or 405) is
   * echoed under the same check.
   */
  @Test
  void aCredentialInThePath_isNeverEchoed_onEveryRoute() throws Exception {
    String token = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
    String base = "/v1/decisions/" + token;
    java.util.List<Response> answers = java.util.List.of(
        t.getAs(alice, base),
        t.getAs(alice, base + "/grant"),
        t.postAs(alice, base + "/challenge", UUID.randomUUID().toString(), ""),
        t.postAs(alice, base + "/approvals", UUID.randomUUID().toString(), "{}"),
        t.postAs(alice, base + "/cancel", UUID.randomUUID().toString(), "{}"));
    for (Response r : answers) {
      assertThat(r.status()).as(r.toString()).isEqualTo(404);
      assertThat(r.json().get("detail").asText()).as(r.toString())
          .isEqualTo("no decision (an id that looks like a credential (github_token); not shown)");
      assertThat(r.body()).doesNotContain("A1b2C3d4");
    }
    Response noRoute = t.getAs(alice, "/v1/" + token);
    assertThat(noRoute.status()).isEqualTo(404);
    assertThat(noRoute.body()).contains("looks like a credential").doesNotContain("A1b2C3d4");

    Response plain = t.getAs(alice, "/v1/decisions/dec_nope");
    assertThat(plain.status()).isEqualTo(404);
    assertThat(plain.json().get("detail").asText()).isEqualTo("no decision `dec_nope`");
    assertThat(t.getAs(alice, "/v1/decisions/" + "x".repeat(200)).json().get("detail").asText())
        .isEqualTo("no decision `" + "x".repeat(80) + "…`");
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
