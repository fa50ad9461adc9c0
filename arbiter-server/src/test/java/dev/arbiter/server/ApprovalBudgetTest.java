package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.approval.Challenge;
import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.server.TestServer.Response;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A decision's approval budget per minute is spent only by callers with the authority to approve
 * it. Anyone may enrol a key and sign a challenge of their own making; that must not lock the
 * decision's real approvers out.
 */
class ApprovalBudgetTest extends ServerTest {

  private Response enrol(String token, SigningKey key) throws Exception {
    return t.enrol(token, key);
  }

  private Response submit(String token, SigningKey key, String id, JsonNode challenge, byte[] signingInput) throws Exception {
    ObjectNode body = TestServer.JSON.createObjectNode();
    body.set("challenge", challenge);
    body.put("key_id", key.keyId().value()).put("signature", Base64.getEncoder().encodeToString(key.sign(signingInput)));
    body.put("rationale", "ok");
    return t.postAs(token, "/v1/decisions/" + id + "/approvals", UUID.randomUUID().toString(), body.toString());
  }

  @Test
  void callersWithoutAuthority_cannotUseUpTheBudgetOfTheApprovers() throws Exception {
    String id = t.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY).json().get("decision_id").asText();
    int budget = t.security().decisionPerMinute();
    // Agents with no role at all, each with its own enrolled key (the per-approver limit applies to each).
    int perCaller = Math.max(1, t.security().approverPerMinute() - 1);
    int sent = 0;
    for (int caller = 0; sent <= budget; caller++) {
      String token = TestIdentity.token("mallory-" + caller);
      SigningKey key = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
      assertThat(enrol(token, key).status()).isEqualTo(201);
      for (int i = 0; i < perCaller && sent <= budget; i++, sent++) {
        Challenge forged = new Challenge(id, "approve", Instant.parse("2026-01-01T00:00:00Z"), "n" + caller + "-" + i, 300, "sha256:x");
        Response r = submit(token, key, id, forged.toJson(), forged.signingInput());
        assertThat(r.status()).as(r.toString()).isEqualTo(403);
      }
    }

    String alice = TestIdentity.token("alice", "supervisor");
    SigningKey ak = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
    enrol(alice, ak);
    JsonNode issued = t.postAs(alice, "/v1/decisions/" + id + "/challenge", UUID.randomUUID().toString(), "{}").json();
    Response r = submit(alice, ak, id, issued.get("challenge"), Base64.getDecoder().decode(issued.get("signing_input").asText()));

    assertThat(r.status()).as(r.toString()).isEqualTo(200);
  }
}
