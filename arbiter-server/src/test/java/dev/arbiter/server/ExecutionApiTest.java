package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.UUID;
import dev.arbiter.server.TestServer.Response;
import org.junit.jupiter.api.Test;

/** The gateway's side of the engine: one execution per decision, only by a gateway, only with an issued grant. */
class ExecutionApiTest extends ServerTest {
  static final String READ = """
      {"action": {"class": "read", "tool": "grafana", "intent": "check error rate",
                  "target": {"type": "dashboard", "id": "payments-slo"}, "payload": {}},
       "context": {"actor": {"id": "agent-7"}, "environment": "dev"}}""";

  private final String gateway = TestIdentity.token("gateway-1", "arbiter-gateway");

  private Response report(String token, String key, String body) throws Exception {
    return t.postAs(token, "/v1/executions", key, body);
  }

  @Test
  void started_thenConfirmed_executesTheDecisionOnce() throws Exception {
    JsonNode d = t.post("/v1/decisions", "r-1", READ).json();
    String grant = d.get("grant").asText();
    String id = d.get("decision_id").asText();

    Response started = report(gateway, "s-1", "{\"grant\": \"" + grant + "\", \"phase\": \"started\"}");
    assertThat(started.status()).as(started.toString()).isEqualTo(201);
    String exe = started.json().get("execution_id").asText();
    Response again = report(gateway, "s-2", "{\"grant\": \"" + grant + "\", \"phase\": \"started\"}");
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/grant-already-used");
    Response retried = report(gateway, "s-1", "{\"grant\": \"" + grant + "\", \"phase\": \"started\"}");
    assertThat(retried.status()).as("same Idempotency-Key, same body: the same answer").isEqualTo(201);
    assertThat(retried.json().get("execution_id").asText()).isEqualTo(exe);

    Response done = report(gateway, "c-1", "{\"grant\": \"" + grant + "\", \"phase\": \"confirmed\", \"execution_id\": \""
        + exe + "\", \"upstream_status\": 200, \"duration_ms\": 3, \"response_hash\": \"sha256:00\"}");
    assertThat(done.status()).as(done.toString()).isEqualTo(200);
    assertThat(done.json().get("status").asText()).isEqualTo("executed");
    assertThat(t.trail(id)).endsWith("grant.issued", "execution.started", "execution.refused", "execution.confirmed");
  }

  @Test
  void aFailedExecution_recordsWhyItFailed_fromAKnownSetOnly() throws Exception {
    JsonNode d = t.post("/v1/decisions", "r-f", READ).json();
    String grant = d.get("grant").asText();
    String id = d.get("decision_id").asText();
    String exe = report(gateway, "s-f", "{\"grant\": \"" + grant + "\", \"phase\": \"started\"}").json()
        .get("execution_id").asText();
    String outcome = "{\"grant\": \"" + grant + "\", \"phase\": \"%s\", \"execution_id\": \"" + exe
        + "\", \"upstream_status\": 0, \"duration_ms\": 0, \"response_hash\": \"sha256:00\", \"reason\": \"%s\"}";

    Response unknown = report(gateway, "f-1", outcome.formatted("failed", "tool_was_tired"));
    assertThat(unknown.status()).as(unknown.toString()).isEqualTo(400);
    Response onConfirmed = report(gateway, "f-2", outcome.formatted("confirmed", "not_forwarded"));
    assertThat(onConfirmed.status()).as(onConfirmed.toString()).isEqualTo(400);
    assertThat(t.trail(id)).doesNotContain("execution.failed", "execution.confirmed");

    Response failed = report(gateway, "f-3", outcome.formatted("failed", "not_forwarded"));
    assertThat(failed.status()).as(failed.toString()).isEqualTo(200);
    var entries = t.entries(id);
    JsonNode last = t.payload(entries.get(entries.size() - 1));
    assertThat(last.get("reason").asText()).isEqualTo("not_forwarded");
    assertThat(t.trail(id)).endsWith("execution.started", "execution.failed");
  }

  @Test
  void onlyAGateway_withAGrantThisEngineIssued_mayReport() throws Exception {
    JsonNode d = t.post("/v1/decisions", "r-2", READ).json();
    String grant = d.get("grant").asText();

    Response agent = report(TestIdentity.token("agent-7"), "a-1", "{\"grant\": \"" + grant + "\", \"phase\": \"started\"}");
    assertThat(agent.status()).isEqualTo(403);
    String forged = grant.substring(0, grant.lastIndexOf('.') + 1) + "AAAA" + grant.substring(grant.lastIndexOf('.') + 5);
    Response bad = report(gateway, "a-2", "{\"grant\": \"" + forged + "\", \"phase\": \"started\"}");
    assertThat(bad.status()).isEqualTo(403);
    assertThat(bad.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/grant-invalid");
    assertThat(t.trail(d.get("decision_id").asText())).doesNotContain("execution.started");
  }

  /**
   * Black-box run: the engine froze past the gateway's timeout, then recorded the start the gateway had
   * already refused (503, nothing forwarded): a start without an outcome, for good. The gateway now
   * gives such a grant up, and the engine closes the start it recorded.
   */
  @Test
  void anAbandonedGrantWhoseStartWasRecorded_closesThatStart_notForwarded() throws Exception {
    JsonNode d = t.post("/v1/decisions", "r-ab1", READ).json();
    String id = d.get("decision_id").asText();
    String grant = d.get("grant").asText();
    String exe = report(gateway, "s-ab1", "{\"grant\": \"" + grant + "\", \"phase\": \"started\", \"attempt\": \"a1\"}")
        .json().get("execution_id").asText();

    Response given = report(gateway, "g-ab1", "{\"grant\": \"" + grant + "\", \"phase\": \"abandoned\", \"attempt\": \"a1\"}");
    assertThat(given.status()).as(given.toString()).isEqualTo(200);
    assertThat(given.json().get("closed_execution_id").asText()).isEqualTo(exe);
    assertThat(t.trail(id)).endsWith("execution.started", "execution.failed");
    assertThat(t.payload(t.entries(id).get(t.entries(id).size() - 1)).get("reason").asText()).isEqualTo("not_forwarded");

    Response again = report(gateway, "g-ab2", "{\"grant\": \"" + grant + "\", \"phase\": \"abandoned\", \"attempt\": \"a1\"}");
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().get("closed_execution_id").isNull()).as("nothing dangles any more").isTrue();
    assertThat(t.trail(id)).endsWith("execution.started", "execution.failed");
  }

  /**
   * Review: any gateway token closed a live execution as "not forwarded" (the tool ran; the trail said
   * it never did). Only the call that started an execution may give it up.
   */
  @Test
  void aGiveUpFromAnotherCall_doesNotCloseARunningExecution() throws Exception {
    JsonNode d = t.post("/v1/decisions", "r-ab6", READ).json();
    String id = d.get("decision_id").asText();
    String grant = d.get("grant").asText();
    String exe = report(gateway, "s-ab6", "{\"grant\": \"" + grant + "\", \"phase\": \"started\", \"attempt\": \"mine\"}")
        .json().get("execution_id").asText();
    String other = TestIdentity.token("gateway-2", "arbiter-gateway");

    // Another gateway subject (a rotated token: retried by the gateway), or another call of the same one.
    for (String[] who : new String[][] {{other, "mine", "execution-not-the-starter"}, {gateway, "another", "execution-not-started"}}) {
      Response r = report(who[0], UUID.randomUUID().toString(),
          "{\"grant\": \"" + grant + "\", \"phase\": \"abandoned\", \"attempt\": \"" + who[1] + "\"}");
      assertThat(r.status()).as(r.toString()).isEqualTo(409);
      assertThat(r.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/" + who[2]);
    }
    assertThat(report(gateway, "g-ab7", "{\"grant\": \"" + grant + "\", \"phase\": \"abandoned\"}").status())
        .as("a give-up names its attempt").isEqualTo(400);
    assertThat(report(gateway, "g-ab8", "{\"grant\": \"" + grant + "\", \"phase\": \"abandoned\", \"attempt\": \"mine\","
        + " \"reason\": \"upstream_status\"}").status()).as("only a give-up's fields").isEqualTo(400);
    assertThat(report(gateway, "g-ab9", "{\"phase\": \"abandoned\", \"attempt\": \"mine\"}").status())
        .as("no grant is a malformed request, not a refused grant").isEqualTo(400);
    assertThat(t.trail(id)).doesNotContain("execution.failed");

    Response done = report(gateway, "c-ab6", "{\"grant\": \"" + grant + "\", \"phase\": \"confirmed\", \"execution_id\": \""
        + exe + "\", \"upstream_status\": 200, \"duration_ms\": 3, \"response_hash\": \"sha256:00\"}");
    assertThat(done.status()).as("the starter still reports its outcome").isEqualTo(200);
    assertThat(done.json().get("status").asText()).isEqualTo("executed");
  }

  /**
   * Black-box run: another gateway's token recorded "failed, not forwarded" for an execution still
   * running, and the real outcome was then turned away as already recorded. Only the starting gateway
   * reports the outcome; a different outcome for a finished execution is a conflict, not a duplicate.
   */
  @Test
  void onlyTheStartingGateway_reportsTheOutcome_andAConflictingOutcomeIsNoDuplicate() throws Exception {
    JsonNode d = t.post("/v1/decisions", "r-own", READ).json();
    String id = d.get("decision_id").asText();
    String grant = d.get("grant").asText();
    Response started = report(gateway, "s-own", "{\"grant\": \"" + grant + "\", \"phase\": \"started\", \"attempt\": \"a1\"}");
    String exe = started.json().get("execution_id").asText();
    String outcome = "{\"grant\": \"" + grant + "\", \"phase\": \"%s\", \"execution_id\": \"" + exe
        + "\", \"upstream_status\": %d, \"duration_ms\": 1, \"response_hash\": \"sha256:00\"%s}";

    Response foreign = report(TestIdentity.token("gateway-2", "arbiter-gateway"), "o-1",
        outcome.formatted("failed", 0, ", \"reason\": \"not_forwarded\""));
    assertThat(foreign.status()).as(foreign.toString()).isEqualTo(409);
    assertThat(foreign.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/execution-not-the-starter");
    assertThat(t.trail(id)).doesNotContain("execution.failed").endsWith("execution.started", "execution.refused");
    assertThat(t.payload(t.entries(id).get(t.entries(id).size() - 1)).get("reason").asText()).isEqualTo("outcome_not_the_starter");

    assertThat(report(gateway, "o-2", outcome.formatted("confirmed", 200, "")).status()).isEqualTo(200);
    Response same = report(gateway, "o-3", outcome.formatted("confirmed", 200, ""));
    assertThat(same.json().get("type").asText()).as(same.toString()).isEqualTo("https://arbiter.dev/problems/execution-finished");
    Response other = report(gateway, "o-4", outcome.formatted("failed", 0, ", \"reason\": \"upstream_unreachable\""));
    assertThat(other.status()).isEqualTo(409);
    assertThat(other.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/execution-outcome-conflict");
    assertThat(t.trail(id)).endsWith("execution.confirmed");
  }

  /**
   * A gateway process killed during a call: its successor reports the call interrupted. A recorded
   * start is closed with the outcome unknown (the tool may have run); with no start, the grant is given
   * up and the decision gets a new one. Only the starting call may close a start.
   */
  @Test
  void anInterruptedCall_closesItsStartOutcomeUnknown_orGivesTheGrantUp() throws Exception {
    JsonNode d = t.post("/v1/decisions", "r-int", READ).json();
    String id = d.get("decision_id").asText();
    String grant = d.get("grant").asText();
    String exe = report(gateway, "s-int", "{\"grant\": \"" + grant + "\", \"phase\": \"started\", \"attempt\": \"k1\"}")
        .json().get("execution_id").asText();
    Response other = report(gateway, "i-0", "{\"grant\": \"" + grant + "\", \"phase\": \"interrupted\", \"attempt\": \"k2\"}");
    assertThat(other.status()).as("another call's start may be running").isEqualTo(409);
    Response closed = report(gateway, "i-1", "{\"grant\": \"" + grant + "\", \"phase\": \"interrupted\", \"attempt\": \"k1\"}");
    assertThat(closed.status()).as(closed.toString()).isEqualTo(200);
    assertThat(closed.json().get("closed_execution_id").asText()).isEqualTo(exe);
    var entries = t.entries(id);
    assertThat(t.trail(id)).endsWith("execution.started", "execution.refused", "execution.failed");
    assertThat(t.payload(entries.get(entries.size() - 1)).get("reason").asText()).isEqualTo("gateway_interrupted");
    assertThat(report(gateway, "i-2", "{\"grant\": \"" + grant + "\", \"phase\": \"interrupted\", \"attempt\": \"k1\"}")
        .status()).as("told again: nothing more to record").isEqualTo(200);
    assertThat(t.trail(id)).endsWith("execution.failed");

    JsonNode d2 = t.post("/v1/decisions", "r-int2", READ).json();
    String id2 = d2.get("decision_id").asText();
    String grant2 = d2.get("grant").asText();
    Response none = report(gateway, "i-3", "{\"grant\": \"" + grant2 + "\", \"phase\": \"interrupted\", \"attempt\": \"k3\"}");
    assertThat(none.status()).isEqualTo(200);
    assertThat(none.json().get("closed_execution_id").isNull()).isTrue();
    assertThat(t.trail(id2)).endsWith("execution.abandoned");
    String fresh = t.getAs(TestIdentity.token("agent-7"), "/v1/decisions/" + id2 + "/grant").json().get("grant").asText();
    assertThat(fresh).as("the decision gets a new grant").isNotEqualTo(grant2);
  }

  /** A start that named no attempt still names its gateway: the outcome's check holds for it too (review). */
  @Test
  void aStartWithoutAnAttempt_isStillOnlyItsGatewaysToFinish() throws Exception {
    JsonNode d = t.post("/v1/decisions", "r-na", READ).json();
    String grant = d.get("grant").asText();
    String exe = report(gateway, "s-na", "{\"grant\": \"" + grant + "\", \"phase\": \"started\"}").json()
        .get("execution_id").asText();
    String failed = "{\"grant\": \"" + grant + "\", \"phase\": \"failed\", \"execution_id\": \"" + exe
        + "\", \"upstream_status\": 0, \"duration_ms\": 1, \"response_hash\": \"sha256:00\", \"reason\": \"not_forwarded\"}";
    Response foreign = report(TestIdentity.token("gateway-3", "arbiter-gateway"), "o-na", failed);
    assertThat(foreign.json().get("type").asText()).as(foreign.toString())
        .isEqualTo("https://arbiter.dev/problems/execution-not-the-starter");
    assertThat(report(gateway, "o-na2", failed).status()).isEqualTo(200);
  }

  /** The 201 carries the recorded start and a receipt that is for exactly that event (what the gateway checks). */
  @Test
  void theStartsAnswer_carriesItsEvent_andAReceiptBoundToIt() throws Exception {
    JsonNode d = t.post("/v1/decisions", "r-ev", READ).json();
    String grant = d.get("grant").asText();
    JsonNode started = report(gateway, "s-ev", "{\"grant\": \"" + grant + "\", \"phase\": \"started\", \"attempt\": \"a9\"}").json();
    JsonNode event = started.get("event");
    assertThat(event.get("event_type").asText()).isEqualTo("execution.started");
    assertThat(event.get("payload").get("attempt").asText()).isEqualTo("a9");
    assertThat(event.get("payload").get("execution_id").asText()).isEqualTo(started.get("execution_id").asText());
    var receipt = dev.arbiter.ledger.receipt.Receipt.fromJson(started.get("receipt"));
    new dev.arbiter.ledger.receipt.ReceiptVerifier(t.ledgerKey.verifyingKey()).verifyEvent(receipt,
        dev.arbiter.core.canonical.CanonicalJson.encode(event), receipt.checkpoint().ledgerId());
  }

  /** Given up before its start landed: the start, arriving late, runs nothing; the decision can still execute. */
  @Test
  void anAbandonedGrantWhoseStartWasNotRecorded_startsNothingLater_andTheDecisionGetsANewGrant() throws Exception {
    JsonNode d = t.post("/v1/decisions", "r-ab3", READ).json();
    String id = d.get("decision_id").asText();
    String grant = d.get("grant").asText();

    Response given = report(gateway, "g-ab3", "{\"grant\": \"" + grant + "\", \"phase\": \"abandoned\", \"attempt\": \"a3\"}");
    assertThat(given.status()).as(given.toString()).isEqualTo(200);
    assertThat(given.json().get("closed_execution_id").isNull()).isTrue();
    assertThat(t.trail(id)).endsWith("grant.issued", "execution.abandoned");

    Response late = report(gateway, "s-ab3", "{\"grant\": \"" + grant + "\", \"phase\": \"started\"}");
    assertThat(late.status()).as(late.toString()).isEqualTo(409);
    assertThat(late.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/grant-already-used");
    assertThat(t.trail(id)).endsWith("execution.abandoned", "execution.refused").doesNotContain("execution.started");

    t.restart(); // the give-up is folded from the ledger too
    assertThat(report(gateway, "s-ab4", "{\"grant\": \"" + grant + "\", \"phase\": \"started\"}").status()).isEqualTo(409);
    // No wait for the given-up grant to expire: the proposer gets a new one at once.
    Response fresh = t.getAs(TestIdentity.token("agent-7"), "/v1/decisions/" + id + "/grant");
    assertThat(fresh.status()).as(fresh.toString()).isEqualTo(200);
    assertThat(fresh.json().get("grant").asText()).isNotEqualTo(grant);
    assertThat(report(gateway, "s-ab5", "{\"grant\": \"" + fresh.json().get("grant").asText()
        + "\", \"phase\": \"started\"}").status()).as("the decision's one execution is still there").isEqualTo(201);
  }

  /** A decision whose one execution started (or failed) gets no further grant: it could only be refused. */
  @Test
  void afterItsExecutionStarted_aDecisionGetsNoNewGrant() throws Exception {
    JsonNode d = t.post("/v1/decisions", "r-sp", READ).json();
    String id = d.get("decision_id").asText();
    assertThat(report(gateway, "s-sp", "{\"grant\": \"" + d.get("grant").asText() + "\", \"phase\": \"started\"}")
        .status()).isEqualTo(201);
    t.clock.advance(java.time.Duration.ofMinutes(11)); // the grant expired: before, a new one was issued
    Response grant = t.getAs(TestIdentity.token("agent-7"), "/v1/decisions/" + id + "/grant");
    assertThat(grant.status()).as(grant.toString()).isEqualTo(409);
    assertThat(grant.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/grant-not-available");
    assertThat(grant.json().get("detail").asText()).contains("already used its one execution");
    assertThat(java.util.Collections.frequency(t.trail(id), "grant.issued")).isEqualTo(1);
  }

  /**
   * Black-box run: whoever holds the engine key could re-sign an issued grant with another payload,
   * environment or expiry, keeping its id, and the engine recorded its start. It must be the grant
   * issued, byte for byte.
   */
  @Test
  void anIssuedGrantReSignedWithOtherClaims_isRefused_andRecorded() throws Exception {
    JsonNode d = t.post("/v1/decisions", "r-rs", READ).json();
    String id = d.get("decision_id").asText();
    var issued = dev.arbiter.core.grant.GrantCodec.verify(d.get("grant").asText(),
        kid -> java.util.Optional.of(t.engineKey.verifyingKey()), java.time.Instant.now(), java.time.Duration.ofMinutes(1));
    var altered = new dev.arbiter.core.grant.Grant(issued.grantId(), issued.decisionId(), issued.actionClass(),
        issued.tool(), issued.target(), "production",
        dev.arbiter.core.grant.Grant.payloadHash(TestServer.JSON.readTree("{\"panel\": 99}")), issued.policyHash(),
        issued.receipt(), issued.notBefore(), issued.expiresAt().plus(java.time.Duration.ofDays(3650)), issued.nonce());
    String forged = dev.arbiter.core.grant.GrantCodec.sign(altered, t.engineKey);

    Response started = report(gateway, "s-rs", "{\"grant\": \"" + forged + "\", \"phase\": \"started\"}");
    assertThat(started.status()).as(started.toString()).isEqualTo(403);
    assertThat(started.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/grant-invalid");
    assertThat(started.json().get("detail").asText()).contains("differs from the grant this engine issued");
    assertThat(t.trail(id)).endsWith("grant.issued", "execution.refused").doesNotContain("execution.started");
    assertThat(t.payload(t.entries(id).get(t.entries(id).size() - 1)).get("reason").asText()).isEqualTo("grant_not_as_issued");

    Response genuine = report(gateway, "s-rs2", "{\"grant\": \"" + d.get("grant").asText() + "\", \"phase\": \"started\"}");
    assertThat(genuine.status()).as("the grant as issued still starts").isEqualTo(201);
  }

  @Test
  void aGrantOfADecisionCancelledAfterItsGrant_isRefused_andTheRefusalIsOnTheDecisionsStream() throws Exception {
    JsonNode d = t.post("/v1/decisions", "r-3", READ).json();
    String id = d.get("decision_id").asText();
    assertThat(t.post("/v1/decisions/" + id + "/cancel", "c-3", "{\"actor\": {\"id\": \"agent-7\"}}").status()).isEqualTo(200);

    Response started = report(gateway, "s-3", "{\"grant\": \"" + d.get("grant").asText() + "\", \"phase\": \"started\"}");
    assertThat(started.status()).isEqualTo(409);
    assertThat(started.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/grant-not-available");
    assertThat(t.trail(id)).endsWith("decision.cancelled", "execution.refused").doesNotContain("execution.started");
    assertThat(t.payload(t.entries(id).get(t.entries(id).size() - 1)).get("reason").asText()).isEqualTo("decision_cancelled");
  }

  @Test
  void refusalsTheGatewayMadeItself_areRecordedOnTheGatewayStream() throws Exception {
    Response r = report(gateway, "f-1", "{\"phase\": \"refused\", \"tool\": \"deployer\", \"problem\": \"grant-invalid\", "
        + "\"reason\": \"bad_signature\", \"grant_id\": null, \"decision_id\": null}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    var entries = t.entries(dev.arbiter.server.engine.Executions.GATEWAY_STREAM);
    assertThat(entries).hasSize(1);
    assertThat(entries.get(0).eventType()).isEqualTo("execution.refused");
    assertThat(t.payload(entries.get(0)).get("reason").asText()).isEqualTo("bad_signature");
    assertThat(t.payload(entries.get(0)).get("gateway").asText()).isEqualTo("gateway-1");

    Response notGateway = report(TestIdentity.token("agent-7"), "f-2", "{\"phase\": \"refused\", \"tool\": \"x\"}");
    assertThat(notGateway.status()).isEqualTo(403);
    assertThat(t.entries(dev.arbiter.server.engine.Executions.GATEWAY_STREAM)).hasSize(1);
  }

  @Test
  void noGrantExistsForAPendingOrADeniedDecision() throws Exception {
    String pending = t.post("/v1/decisions", "p-1", ApprovalTest.DEPLOY).json().get("decision_id").asText();
    String denied = t.post("/v1/decisions", "d-1", """
        {"action": {"class": "teleport", "tool": "x", "intent": "?", "target": {"type": "t", "id": "1"}, "payload": {}},
         "context": {"actor": {"id": "agent-7"}, "environment": "dev"}}""").json().get("decision_id").asText();
    String agent = TestIdentity.token("agent-7");

    for (String id : new String[] {pending, denied}) {
      Response r = t.getAs(agent, "/v1/decisions/" + id + "/grant");
      assertThat(r.status()).as(r.toString()).isEqualTo(409);
      assertThat(r.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/grant-not-available");
      assertThat(t.trail(id)).doesNotContain("grant.issued");
    }
    assertThat(t.json(denied).get("status").asText()).isEqualTo("denied");
  }
}
