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

  @Test
  void callersWithoutAuthority_cannotUseUpTheRecordedRefusalsOfTheApprovers() throws Exception {
    // Black-box run: any logged-in subject sent 100 made-up key ids (key_not_enrolled), after which an
    // approver's forged signature on the same decision left no trace on the ledger.
    String id = t.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY).json().get("decision_id").asText();
    int perCaller = Math.max(1, t.security().approverPerMinute() - 1);
    int sent = 0;
    for (int caller = 0; sent <= dev.arbiter.server.engine.DecisionEngine.MAX_RECORDED_REFUSALS; caller++) {
      String token = TestIdentity.token("nobody-" + caller);
      JsonNode own = t.postAs(token, "/v1/decisions/" + id + "/challenge", UUID.randomUUID().toString(), "{}").json();
      for (int i = 0; i < perCaller && sent <= dev.arbiter.server.engine.DecisionEngine.MAX_RECORDED_REFUSALS; i++, sent++) {
        ObjectNode body = TestServer.JSON.createObjectNode();
        body.set("challenge", own.get("challenge"));
        body.put("key_id", "sha256:" + "0".repeat(63) + (i % 10)).put("signature", "AAAA").put("rationale", "x");
        Response r = t.postAs(token, "/v1/decisions/" + id + "/approvals", UUID.randomUUID().toString(), body.toString());
        assertThat(r.status()).as(r.toString()).isEqualTo(403);
      }
    }
    long outsiders = t.entries(id).stream().filter(e -> e.eventType().equals("approval.rejected")).count();
    assertThat(outsiders).as("the outsiders' own budget, used up").isEqualTo(dev.arbiter.server.engine.DecisionEngine.MAX_RECORDED_REFUSALS);

    Response r = forgedApprovalByAlice(id);
    assertThat(r.status()).as(r.toString()).isEqualTo(403);

    assertThat(t.entries(id).stream().filter(e -> e.eventType().equals("approval.rejected")).map(e -> {
      try {
        return t.payload(e);
      } catch (java.io.IOException x) {
        throw new java.io.UncheckedIOException(x);
      }
    }).filter(p -> p.path("actor").asText().equals("alice")).map(p -> p.path("reason").asText()))
        .as("the approver's forged signature is on the trail").containsExactly("bad_signature");
  }

  /** Review: refused cancels by an outsider, or one approver's own noise, used up the budget the same way. */
  @Test
  void outsidersCancels_andOneCallersNoise_cannotUseUpTheRecordedRefusalsOfTheApprovers() throws Exception {
    String id = t.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY).json().get("decision_id").asText();
    String nobody = TestIdentity.token("nobody");
    for (int i = 0; i < dev.arbiter.server.engine.DecisionEngine.MAX_RECORDED_REFUSALS; i++) {
      Response r = t.postAs(nobody, "/v1/decisions/" + id + "/cancel", UUID.randomUUID().toString(), "{}");
      assertThat(r.status()).as(r.toString()).isEqualTo(403);
    }
    // A member of the domain making up key ids: recorded up to their own cap, not up to the decision's.
    String carol = TestIdentity.token("carol", "supervisor");
    JsonNode own = t.postAs(carol, "/v1/decisions/" + id + "/challenge", UUID.randomUUID().toString(), "{}").json();
    int perMinute = Math.max(1, t.security().approverPerMinute() - 1);
    for (int i = 0; i < perMinute; i++) {
      ObjectNode body = TestServer.JSON.createObjectNode();
      body.set("challenge", own.get("challenge"));
      body.put("key_id", "sha256:" + "1".repeat(63) + (i % 10)).put("signature", "AAAA").put("rationale", "x");
      assertThat(t.postAs(carol, "/v1/decisions/" + id + "/approvals", UUID.randomUUID().toString(), body.toString())
          .status()).isEqualTo(403);
    }
    assertThat(rejectionsBy(id, "carol")).hasSizeLessThanOrEqualTo(10);

    assertThat(forgedApprovalByAlice(id).status()).isEqualTo(403);
    assertThat(rejectionsBy(id, "alice")).containsExactly("bad_signature");
  }

  /** alice (an approver in the domain) enrols a key, then sends an approval signed by another key. */
  private Response forgedApprovalByAlice(String id) throws Exception {
    String alice = TestIdentity.token("alice", "supervisor");
    SigningKey ak = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
    assertThat(enrol(alice, ak).status()).isEqualTo(201);
    JsonNode issued = t.postAs(alice, "/v1/decisions/" + id + "/challenge", UUID.randomUUID().toString(), "{}").json();
    SigningKey other = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
    ObjectNode forged = TestServer.JSON.createObjectNode();
    forged.set("challenge", issued.get("challenge"));
    forged.put("key_id", ak.keyId().value()).put("rationale", "ok").put("signature",
        Base64.getEncoder().encodeToString(other.sign(Base64.getDecoder().decode(issued.get("signing_input").asText()))));
    return t.postAs(alice, "/v1/decisions/" + id + "/approvals", UUID.randomUUID().toString(), forged.toString());
  }

  private java.util.List<String> rejectionsBy(String id, String actor) throws Exception {
    java.util.List<String> reasons = new java.util.ArrayList<>();
    for (var e : t.entries(id)) {
      if (e.eventType().equals("approval.rejected") && t.payload(e).path("actor").asText().equals(actor)) {
        reasons.add(t.payload(e).path("reason").asText());
      }
    }
    return reasons;
  }
}
