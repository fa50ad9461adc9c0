package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.server.TestServer.Response;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Regression tests for the findings of the security review of approvals and executions: each attack
 * that once worked is attempted again and must now be refused (and, where it is a refusal of an
 * approval or execution, recorded).
 */
class ApprovalHardeningTest extends ServerTest {
  static final String DEPLOY = ApprovalTest.DEPLOY;
  static final String READ = ExecutionApiTest.READ;
  private final String gateway = TestIdentity.token("gateway-1", "arbiter-gateway");

  private Response enrol(String token, SigningKey key) throws Exception {
    return t.enrol(token, key);
  }

  private Response approveWith(String token, SigningKey key, String id) throws Exception {
    return t.postAs(token, "/v1/decisions/" + id + "/approvals", UUID.randomUUID().toString(),
        signedApproval(token, key, id).put("rationale", "poc").toString());
  }

  /** A fresh challenge of decision {@code id}, signed with {@code key}: the approval's body, without a rationale. */
  private ObjectNode signedApproval(String token, SigningKey key, String id) throws Exception {
    Response c = t.postAs(token, "/v1/decisions/" + id + "/challenge", UUID.randomUUID().toString(), "{}");
    assertThat(c.status()).as(c.toString()).isEqualTo(201);
    JsonNode issued = c.json();
    byte[] input = Base64.getDecoder().decode(issued.get("signing_input").asText());
    ObjectNode body = TestServer.JSON.createObjectNode();
    body.set("challenge", issued.get("challenge"));
    body.put("key_id", key.keyId().value()).put("signature", Base64.getEncoder().encodeToString(key.sign(input)));
    return body;
  }

  private String pendingDeploy() throws Exception {
    Response r = t.post("/v1/decisions", UUID.randomUUID().toString(), DEPLOY);
    assertThat(r.json().get("status").asText()).isEqualTo("pending_authority");
    return r.json().get("decision_id").asText();
  }

  /**
   * Black-box run: a lone surrogate in a rationale, a cancel reason or an enrolment was a 500, and on
   * an approval the challenge was used up with nothing on the trail. Such text has no canonical form
   * (nothing with it can be recorded or signed): 400 before anything is done, the challenge intact.
   */
  @Test
  void textWithoutACanonicalForm_is400_andTheChallengeStaysUsable() throws Exception {
    String id = pendingDeploy();
    String alice = TestIdentity.token("alice", "supervisor");
    SigningKey key = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
    assertThat(enrol(alice, key).status()).isEqualTo(201);
    ObjectNode body = signedApproval(alice, key, id);
    String lone = body.deepCopy().put("rationale", "X").toString().replace("\"rationale\":\"X\"", "\"rationale\":\"\\ud800\"");
    assertThat(lone).contains("\\ud800");

    Response bad = t.postAs(alice, "/v1/decisions/" + id + "/approvals", UUID.randomUUID().toString(), lone);
    assertThat(bad.status()).as(bad.toString()).isEqualTo(400);
    assertThat(bad.json().get("errors").get(0).get("code").asText()).isEqualTo("not_canonical");
    assertThat(bad.json().get("errors").get(0).get("path").asText()).contains("rationale");
    assertThat(t.trail(id)).as("the attempt is on the trail").contains("approval.rejected");

    Response good = t.postAs(alice, "/v1/decisions/" + id + "/approvals", UUID.randomUUID().toString(),
        body.put("rationale", "reviewed").toString());
    assertThat(good.status()).as("the same challenge still counts: %s", good).isEqualTo(200);
    assertThat(t.trail(id)).contains("approval.added");

    Response cancel = t.post("/v1/decisions/" + id + "/cancel", UUID.randomUUID().toString(),
        "{\"actor\": {\"id\": \"agent-7\"}, \"reason\": \"\\ud800\"}");
    assertThat(cancel.status()).as(cancel.toString()).isEqualTo(400);
    assertThat(cancel.json().get("errors").get(0).get("code").asText()).isEqualTo("not_canonical");
    Response cancelNoActor = t.post("/v1/decisions/" + id + "/cancel", UUID.randomUUID().toString(),
        "{\"reason\": \"\\udc00\"}");
    assertThat(cancelNoActor.status()).as(cancelNoActor.toString()).isEqualTo(400);

    Response enrolment = t.postAs(alice, "/v1/keys", UUID.randomUUID().toString(), "{\"public_key\": \"\\ud800\"}");
    assertThat(enrolment.status()).as(enrolment.toString()).isEqualTo(400);
  }

  /**
   * One approval sent 20 times at once with one Idempotency-Key (a client retrying eagerly): it counts
   * once, and every copy gets its answer. Black-box run: 5 copies ran again, met the used challenge
   * and were recorded as rejected approvals.
   */
  @Test
  void oneApprovalSentManyTimesAtOnceWithOneKey_countsOnce_andNothingIsRecordedAsRejected() throws Exception {
    String id = pendingDeploy();
    String alice = TestIdentity.token("alice", "supervisor");
    SigningKey key = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
    assertThat(enrol(alice, key).status()).isEqualTo(201);
    ObjectNode body = signedApproval(alice, key, id).put("rationale", "reviewed");
    String idempotencyKey = UUID.randomUUID().toString();
    java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(20);
    java.util.List<java.util.concurrent.Future<Response>> sent = new java.util.ArrayList<>();
    try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 20; i++) {
        sent.add(pool.submit(() -> {
          start.await();
          return t.postAs(alice, "/v1/decisions/" + id + "/approvals", idempotencyKey, body.toString());
        }));
      }
      for (var f : sent) {
        Response r = f.get();
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
      }
    }
    java.util.List<String> trail = t.trail(id);
    assertThat(trail.stream().filter("approval.added"::equals).count()).as(trail.toString()).isEqualTo(1);
    assertThat(trail).as("no copy was refused").doesNotContain("approval.rejected");
  }

  /** F1: level of one role + domain of another role. payments-manager (L3, payments) + operator (L1, *). */
  @Test
  void theLevelOfOneRoleNeverCombinesWithTheDomainOfAnother() throws Exception {
    String id = pendingDeploy();
    // Sanity: each role alone is refused.
    SigningKey k1 = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
    String opOnly = TestIdentity.token("olga", "operator");
    enrol(opOnly, k1);
    Response r1 = approveWith(opOnly, k1, id);
    assertThat(r1.json().get("reason").asText()).isEqualTo("insufficient_level");
    SigningKey k2 = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
    String pmOnly = TestIdentity.token("paul", "payments-manager");
    enrol(pmOnly, k2);
    Response r2 = approveWith(pmOnly, k2, id);
    assertThat(r2.json().get("reason").asText()).isEqualTo("wrong_domain");

    // Attack: one person holding both roles approves an infra deploy at L3.
    SigningKey mk = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
    String mallory = TestIdentity.token("mallory", "payments-manager", "operator");
    enrol(mallory, mk);
    Response m = approveWith(mallory, mk, id);
    assertThat(m.status()).as(m.toString()).isEqualTo(403);
    assertThat(m.json().get("reason").asText()).isEqualTo("wrong_domain");
    assertThat(t.trail(id)).doesNotContain("approval.added");
  }

  /** F2: unauthenticated caller exhausts the per-decision refusal budget; later forged approvals leave no trace. */
  @Test
  void anonymousRefusalsCannotUseUpTheBudgetOfRealOnes() throws Exception {
    String id = pendingDeploy();
    for (int i = 0; i < 100; i++) {
      Response r = t.postAs(null, "/v1/decisions/" + id + "/approvals", "k" + i, "{}");
      assertThat(r.status()).isEqualTo(401);
    }
    long before = t.entries(id).size();
    // Real attack afterwards: the requester tries to approve their own decision with a valid key.
    SigningKey ak = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
    String agent = TestIdentity.token("agent-7", "manager");
    enrol(agent, ak);
    Response self = approveWith(agent, ak, id);
    assertThat(self.json().get("reason").asText()).isEqualTo("self_approval");
    assertThat(t.entries(id).stream().filter(e -> e.eventType().equals("approval.rejected"))
        .map(e -> new String(e.envelope(), java.nio.charset.StandardCharsets.UTF_8)))
        .as("anonymous noise has its own budget").anyMatch(e -> e.contains("self_approval"))
        .filteredOn(e -> e.contains("token_invalid")).hasSize(dev.arbiter.server.engine.DecisionEngine.MAX_RECORDED_UNAUTHENTICATED_REFUSALS);
  }

  /** F3: proposer cancels while the tool runs: the outcome cannot be recorded; the ledger says cancelled. */
  @Test
  void aRunningExecutionCannotBeCancelled() throws Exception {
    JsonNode d = t.post("/v1/decisions", "r-1", READ).json();
    String grant = d.get("grant").asText();
    String id = d.get("decision_id").asText();
    Response started = t.postAs(gateway, "/v1/executions", "s-1", "{\"grant\": \"" + grant + "\", \"phase\": \"started\"}");
    assertThat(started.status()).isEqualTo(201);
    String exe = started.json().get("execution_id").asText();
    Response cancel = t.post("/v1/decisions/" + id + "/cancel", "c-1", "{\"actor\": {\"id\": \"agent-7\"}}");
    assertThat(cancel.status()).as(cancel.toString()).isEqualTo(409);
    Response done = t.postAs(gateway, "/v1/executions", "c-2", "{\"grant\": \"" + grant + "\", \"phase\": \"confirmed\", "
        + "\"execution_id\": \"" + exe + "\", \"upstream_status\": 200, \"duration_ms\": 3, \"response_hash\": \"sha256:00\"}");
    assertThat(done.status()).as(done.toString()).isEqualTo(200);
    assertThat(t.trail(id)).endsWith("execution.started", "decision.transition_rejected", "execution.confirmed")
        .doesNotContain("decision.cancelled");
    assertThat(t.json(id).get("status").asText()).isEqualTo("executed");
  }

  /** F4: after execution.failed the outcome can be reported again, and flipped to confirmed. */
  @Test
  void anExecutionHasExactlyOneOutcome() throws Exception {
    JsonNode d = t.post("/v1/decisions", "r-2", READ).json();
    String grant = d.get("grant").asText();
    String id = d.get("decision_id").asText();
    String exe = t.postAs(gateway, "/v1/executions", "s-2", "{\"grant\": \"" + grant + "\", \"phase\": \"started\"}")
        .json().get("execution_id").asText();
    for (int i = 0; i < 3; i++) {
      Response f = t.postAs(gateway, "/v1/executions", "f-" + i, "{\"grant\": \"" + grant + "\", \"phase\": \"failed\", "
          + "\"execution_id\": \"" + exe + "\", \"upstream_status\": 500, \"duration_ms\": " + i + ", \"response_hash\": \"sha256:00\"}");
      assertThat(f.status()).as(f.toString()).isEqualTo(i == 0 ? 200 : 409);
    }
    Response c = t.postAs(gateway, "/v1/executions", "c-9", "{\"grant\": \"" + grant + "\", \"phase\": \"confirmed\", "
        + "\"execution_id\": \"" + exe + "\", \"upstream_status\": 200, \"duration_ms\": 1, \"response_hash\": \"sha256:00\"}");
    assertThat(c.status()).isEqualTo(409);
    // Not the same report again: another outcome, which the gateway must hear as a conflict.
    assertThat(c.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/execution-outcome-conflict");
    assertThat(t.trail(id).stream().filter(e -> e.startsWith("execution.")).toList())
        .containsExactly("execution.started", "execution.failed");
  }

  /** F5: any authenticated caller (an agent, no level) grows sys:keys without limit. */
  @Test
  void enrolmentsPerSubjectAreBounded() throws Exception {
    String agent = TestIdentity.token("agent-x");
    long before = t.ledgerSize();
    int accepted = 0;
    for (int i = 0; i < 30; i++) {
      Response r = enrol(agent, SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom()));
      accepted += r.status() == 201 ? 1 : 0;
      if (r.status() != 201) {
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/too-many-keys");
      }
    }
    assertThat(accepted).isEqualTo(10);
    assertThat(t.ledgerSize() - before).isEqualTo(10);
  }

  /** F6: a non-approver burns the per-decision approval budget; a legitimate approver is then 429. */
  @Test
  void callersWithoutAValidSignatureCannotLockApproversOut() throws Exception {
    String id = pendingDeploy();
    String a1 = TestIdentity.token("nobody1");
    for (int i = 0; i < 60; i++) {
      t.postAs(a1, "/v1/decisions/" + id + "/approvals", "n" + i,
          "{\"challenge\": {\"decision_id\": \"" + id + "\", \"intent\": \"approve\", \"issued_at\": \"2026-01-01T00:00:00Z\", "
              + "\"nonce\": \"x\", \"ttl_seconds\": 300, \"policy_hash\": \"p\"}, \"key_id\": \"sha256:"
              + "0".repeat(64) + "\", \"signature\": \"AAAA\"}");
    }
    SigningKey ak = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
    String alice = TestIdentity.token("alice", "supervisor");
    enrol(alice, ak);
    Response r = approveWith(alice, ak, id);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
  }

  /** F7: any authenticated caller (no level, not the proposer) reads any decision's full request. */
  @Test
  void onlyTheProposerApproversOfTheDomainAndGatewaysReadADecision() throws Exception {
    String id = pendingDeploy();
    Response r = t.getAs(TestIdentity.token("random-agent"), "/v1/decisions/" + id);
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.body()).doesNotContain("change_ticket");
    Response l = t.getAs(TestIdentity.token("random-agent"), "/v1/decisions?status=pending_authority");
    assertThat(l.body()).doesNotContain(id);
    assertThat(t.getAs(TestIdentity.token("carol", "payments-manager"), "/v1/decisions/" + id).status())
        .as("an approver of another domain").isEqualTo(403);
    assertThat(t.getAs(TestIdentity.token("alice", "supervisor"), "/v1/decisions/" + id).status()).isEqualTo(200);
    assertThat(t.getAs(TestIdentity.token("agent-7"), "/v1/decisions/" + id).status()).as("the proposer").isEqualTo(200);
  }
  /** Review: the listing took the oldest `limit` pending decisions first and filtered them after. */
  @Test
  void thePendingListing_findsTheCallersDecisionsBehindOlderOnesOfOtherDomains() throws Exception {
    for (int i = 0; i < 3; i++) {
      pendingDeploy();
      t.clock.advance(java.time.Duration.ofMillis(5)); // decision ids sort by creation time
    }
    String transfer = t.post("/v1/decisions", "tr-list", """
        {"action": {"class": "transfer", "tool": "payments-api", "intent": "refund order 7781",
                    "target": {"type": "account", "id": "acct_8812"}, "payload": {"amount": 120.50, "currency": "EUR"}},
         "context": {"actor": {"id": "agent-7"}, "environment": "production"}}""").json().get("decision_id").asText();
    assertThat(t.json(transfer).get("status").asText()).isEqualTo("pending_authority");

    Response l = t.getAs(TestIdentity.token("carol", "payments-manager"), "/v1/decisions?status=pending_authority&limit=2");

    assertThat(l.status()).isEqualTo(200);
    var listed = l.json().get("decisions");
    assertThat(listed).hasSize(1);
    assertThat(listed.get(0).get("decision_id").asText()).isEqualTo(transfer);

    t.restart(); // the pending set is rebuilt from the ledger, with what the filter needs
    var again = t.getAs(TestIdentity.token("carol", "payments-manager"), "/v1/decisions?status=pending_authority&limit=2")
        .json().get("decisions");
    assertThat(again).hasSize(1);
    assertThat(again.get(0).get("decision_id").asText()).isEqualTo(transfer);
    assertThat(t.getAs(TestIdentity.token("agent-7"), "/v1/decisions?status=pending_authority&limit=10").json()
        .get("decisions")).as("the proposer sees its own").hasSize(4);
  }
}
