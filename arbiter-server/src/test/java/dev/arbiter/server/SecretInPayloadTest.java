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
  @Test
  void secretsInTheOtherRequestFields_areDenied_andNeverRecorded() throws Exception {
    String url = "postgres://admin:S3cr3tPassw0rd@db.internal/prod";
    String body = "{\"action\": {\"class\": \"read\", \"tool\": \"grafana\", \"intent\": \"check\","
        + " \"target\": {\"type\": \"database\", \"id\": \"" + url + "\"}, \"payload\": {}},"
        + " \"context\": {\"actor\": {\"id\": \"agent-7\"}, \"environment\": \"dev\", \"scope\": \"" + TOKEN + "\"}}";

    TestServer.Response r = t.post("/v1/decisions", "secret-2", body);

    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    assertThat(r.json().get("status").asText()).isEqualTo("denied");
    assertThat(r.body()).contains("action.target.id").contains("context.scope")
        .doesNotContain("S3cr3tPassw0rd").doesNotContain(TOKEN);
    String id = r.json().get("decision_id").asText();
    for (StoredEntry e : t.ledger.store().query(new EntryQuery(id, null, 0, 100))) {
      assertThat(new String(e.envelope(), StandardCharsets.UTF_8)).doesNotContain("S3cr3tPassw0rd").doesNotContain(TOKEN);
    }
    assertThat(t.getAs(dev.arbiter.server.TestIdentity.token("agent-7"), "/v1/decisions/" + id + "/grant").status())
        .isEqualTo(409);
  }

  /**
   * A 400 names the field and never quotes a credential back: one sent as a closed field's value (the
   * environment) or as an unknown field's name (black-box run: both came back in `got`, `path` and the
   * detail).
   */
  @Test
  void aSecretInAnInvalidField_orAsAFieldName_isNotEchoedInThe400() throws Exception {
    long size = t.ledgerSize();
    String asValue = DecisionApiTest.READ_DEV.replace("\"environment\":\"dev\"", "\"environment\":\"" + TOKEN + "\"");
    assertThat(asValue).contains(TOKEN);
    String aws = "AKIAIOSFODNN7EXAMPLE";
    String asName = DecisionApiTest.READ_DEV.replace("\"payload\":{}", "\"payload\":{}, \"" + aws + "\": 1");
    assertThat(asName).contains(aws);
    for (String body : new String[] {asValue, asName}) {
      TestServer.Response r = t.post("/v1/decisions", java.util.UUID.randomUUID().toString(), body);
      assertThat(r.status()).as(r.toString()).isEqualTo(400);
      assertThat(r.body()).doesNotContain(TOKEN).doesNotContain(aws).contains("looks like a credential");
    }
    assertThat(t.ledgerSize()).isEqualTo(size);
  }

  @Test
  void aSecretInACancelReason_isRefused_andOnlyTheRefusalIsRecorded() throws Exception {
    String id = t.post("/v1/decisions", "secret-3", ApprovalTest.DEPLOY).json().get("decision_id").asText();
    int before = t.entries(id).size();

    TestServer.Response r = t.post("/v1/decisions/" + id + "/cancel", "secret-3c",
        "{\"actor\": {\"id\": \"agent-7\"}, \"reason\": \"rotated " + TOKEN + "\"}");

    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.body()).contains("secret_found").contains("github_token").doesNotContain(TOKEN);
    var after = t.entries(id);
    assertThat(after).hasSize(before + 1);
    var refusal = after.get(after.size() - 1);
    assertThat(refusal.eventType()).isEqualTo("decision.transition_rejected");
    assertThat(t.payload(refusal).get("errors").toString()).contains("secret_found");
    assertThat(new String(refusal.envelope(), java.nio.charset.StandardCharsets.UTF_8)).doesNotContain(TOKEN);
    assertThat(t.json(id).get("status").asText()).isEqualTo("pending_authority");
  }
  @Test
  void aSecretInAnApprovalRationale_isRefused_andOnlyTheRefusalIsRecorded() throws Exception {
    String id = t.post("/v1/decisions", "secret-4", ApprovalTest.DEPLOY).json().get("decision_id").asText();
    String alice = TestIdentity.token("alice", "supervisor");
    var key = dev.arbiter.core.crypto.SigningKey.generate(dev.arbiter.core.crypto.KeyAlgorithm.ED25519, new java.security.SecureRandom());
    assertThat(t.enrol(alice, key).status()).isEqualTo(201);
    var issued = t.postAs(alice, "/v1/decisions/" + id + "/challenge", "secret-4c", "{}").json();
    var body = TestServer.JSON.createObjectNode();
    body.set("challenge", issued.get("challenge"));
    body.put("key_id", key.keyId().value()).put("signature", java.util.Base64.getEncoder().encodeToString(
        key.sign(java.util.Base64.getDecoder().decode(issued.get("signing_input").asText()))));
    body.put("rationale", "deployed with " + TOKEN);
    int before = t.entries(id).size();

    TestServer.Response r = t.postAs(alice, "/v1/decisions/" + id + "/approvals", "secret-4a", body.toString());

    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.body()).contains("secret_found").doesNotContain(TOKEN);
    // The attempt is on the decision's trail (an approval refused as malformed, with its error codes),
    // the secret is not.
    var entries = t.entries(id);
    assertThat(entries).hasSize(before + 1);
    var refusal = TestServer.JSON.readTree(entries.get(before).envelope());
    assertThat(refusal.get("event_type").asText()).isEqualTo("approval.rejected");
    assertThat(refusal.get("payload").get("reason").asText()).isEqualTo("malformed_submission");
    assertThat(refusal.get("payload").get("errors").toString()).contains("secret_found");
    for (var e : entries) {
      assertThat(new String(e.envelope(), java.nio.charset.StandardCharsets.UTF_8)).doesNotContain(TOKEN);
    }
  }
  /** Review: the class and payload keys were not scanned, and the deny reason quoted the tool. */
  @Test
  void secretsInTheToolTheClassOrAPayloadKey_areNeitherEchoedNorRecorded() throws Exception {
    for (String body : new String[] {
        "{\"action\": {\"class\": \"deploy\", \"tool\": \"" + TOKEN + "\", \"payload\": {}},"
            + " \"context\": {\"actor\": {\"id\": \"agent-7\"}, \"environment\": \"production\"}}",
        "{\"action\": {\"class\": \"" + TOKEN + "\", \"payload\": {}}, \"context\": {\"actor\": {\"id\": \"agent-7\"}}}",
        "{\"action\": {\"class\": \"read\", \"tool\": \"grafana\", \"payload\": {\"" + TOKEN + "\": 1, \"ok\": 2}},"
            + " \"context\": {\"actor\": {\"id\": \"agent-7\"}, \"environment\": \"dev\"}}"}) {
      TestServer.Response r = t.post("/v1/decisions", java.util.UUID.randomUUID().toString(), body);

      assertThat(r.status()).as(r.toString()).isEqualTo(201);
      assertThat(r.json().get("status").asText()).isEqualTo("denied");
      assertThat(r.body()).contains("github_token").doesNotContain(TOKEN);
      String id = r.json().get("decision_id").asText();
      for (StoredEntry e : t.ledger.store().query(new EntryQuery(id, null, 0, 100))) {
        assertThat(new String(e.envelope(), StandardCharsets.UTF_8)).as(e.eventType()).doesNotContain(TOKEN);
      }
    }
  }
}
