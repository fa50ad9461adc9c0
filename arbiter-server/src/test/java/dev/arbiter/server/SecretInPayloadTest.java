package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.ledger.store.EntryQuery;
import dev.arbiter.ledger.store.StoredEntry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Attack: an agent puts a credential in its payload. It is denied, and the secret reaches neither the ledger nor the answer. */
class SecretInPayloadTest extends ServerTest {
  private static final String TOKEN = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
  private static final String WEAK = "hunter2hunter2";


  @Test
  void secretInPayload_isDenied_andNeverRecordedOrEchoed() throws Exception {
    String body = DecisionApiTest.READ_DEV.replace("\"payload\":{}",
        "\"payload\":{\"auth\":\"" + TOKEN + "\",\"db\":{\"password\":\"" + WEAK + "\"}}");

    TestServer.Response r = t.post("/v1/decisions", "secret-1", body);

    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    assertThat(r.json().get("outcome").asText()).isEqualTo("deny");
    assertThat(r.body()).contains("action.payload.auth").contains("github_token").contains("action.payload.db.password")
        .doesNotContain(TOKEN).doesNotContain(WEAK);
    String id = r.json().get("decision_id").asText();
    List<StoredEntry> trail = t.ledger.store().query(new EntryQuery(id, null, 0, 100));
    assertThat(trail).isNotEmpty();
    for (StoredEntry e : trail) {
      String envelope = new String(e.envelope(), StandardCharsets.UTF_8);
      assertThat(envelope).doesNotContain(TOKEN).doesNotContain(WEAK);
    }
    assertThat(new String(trail.get(0).envelope(), StandardCharsets.UTF_8)).contains("[redacted:github_token]");
    // The idempotent replay answers the same decision without the secret either.
    TestServer.Response again = t.post("/v1/decisions", "secret-1", body);
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.body()).doesNotContain(TOKEN).doesNotContain(WEAK);
  }
}
