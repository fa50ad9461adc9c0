package dev.arbiter.server;

import static dev.arbiter.server.DecisionApiTest.DEPLOY_PROD;
import static dev.arbiter.server.DecisionApiTest.READ_DEV;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.core.decision.DecisionRequests;
import dev.arbiter.core.decision.DecisionStatus;
import dev.arbiter.server.TestServer.Response;
import dev.arbiter.server.engine.CancelRequest;
import dev.arbiter.server.engine.DecisionEngine;
import dev.arbiter.server.engine.DecisionState;
import dev.arbiter.server.engine.EngineException;
import dev.arbiter.server.engine.IdempotencyKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every status change the engine can make, legal and illegal: evaluated → authorized | denied |
 * pending_authority (submit), pending_authority → cancelled | expired, authorized → cancelled; and
 * refusals from the terminal statuses, each recorded on the ledger.
 */
class DecisionLifecycleTest {
  static final String CANCEL_CI = "{\"actor\":{\"id\":\"ci\"},\"reason\":\"superseded by build 1843\"}";

  @TempDir Path dir;
  TestServer t;
  DecisionEngine engine;

  @BeforeEach
  void start() throws Exception {
    t = TestServer.start(dir);
    engine = t.server.engine();
  }

  @AfterEach
  void stop() {
    t.close();
  }

  private DecisionState submit(String body, String key) throws Exception {
    var request = DecisionRequests.parse(body.getBytes(StandardCharsets.UTF_8));
    return engine.submit(request, IdempotencyKey.of(key), request.context().actorId().orElse("agent-test")).decision();
  }

  private static CancelRequest by(String actor) {
    return new CancelRequest(actor, Optional.empty());
  }

  private static dev.arbiter.server.identity.Principal caller(String subject) {
    return dev.arbiter.server.identity.Principal.withoutAuthority(subject, java.util.List.of());
  }

  @Test
  void submit_movesEvaluatedToAuthorizedDeniedOrPending() throws Exception {
    assertThat(submit(READ_DEV, "a").status()).isEqualTo(DecisionStatus.AUTHORIZED);
    assertThat(submit(READ_DEV.replace("\"read\"", "\"teleport\""), "d").status()).isEqualTo(DecisionStatus.DENIED);
    assertThat(submit(DEPLOY_PROD, "p").status()).isEqualTo(DecisionStatus.PENDING_AUTHORITY);
  }

  /** Black-box run: a malformed cancel, or one carrying a secret, was refused (400) but left nothing on the stream. */
  @Test
  void aMalformedCancel_isRefused_andRecordedWithItsCodesOnly() throws Exception {
    String id = t.post("/v1/decisions", "k-mc", ApprovalTest.DEPLOY).json().get("decision_id").asText();
    String secret = "ghp_" + "a".repeat(36);
    for (String body : new String[] {"{bad", "{\"reason\": \"x\", \"foo\": 1}", "{\"reason\": \"" + secret + "\"}"}) {
      Response r = t.postAs(TestIdentity.token("agent-7"), "/v1/decisions/" + id + "/cancel", UUID.randomUUID().toString(), body);
      assertThat(r.status()).as(r.toString()).isEqualTo(400);
    }
    var refusals = t.entries(id).stream().filter(e -> e.eventType().equals("decision.transition_rejected")).toList();
    assertThat(refusals).hasSize(3);
    for (var e : refusals) {
      assertThat(t.payload(e).get("reason").asText()).isEqualTo("malformed_cancel");
      assertThat(new String(e.envelope(), java.nio.charset.StandardCharsets.UTF_8)).doesNotContain(secret).doesNotContain("foo");
    }
    assertThat(t.json(id).get("status").asText()).isEqualTo("pending_authority");
  }

  @Test
  void cancelPending_overHttp_isCancelledAndLedgered_andReplaysWithTheSameKey() throws Exception {
    String id = t.post("/v1/decisions", "p-1", DEPLOY_PROD).json().get("decision_id").asText();

    Response r = t.post("/v1/decisions/" + id + "/cancel", "c-1", CANCEL_CI);
    Response again = t.post("/v1/decisions/" + id + "/cancel", "c-1", CANCEL_CI);

    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().get("status").asText()).isEqualTo("cancelled");
    assertThat(r.json().get("outcome").asText()).isEqualTo("pending_authority");
    assertThat(again.status()).isEqualTo(200);
    assertThat(t.trail(id)).endsWith("enforcement.result", "decision.cancelled");
    JsonNode cancelled = t.payload(t.entries(id).get(t.entries(id).size() - 1));
    assertThat(cancelled.get("by").asText()).isEqualTo("ci");
    assertThat(cancelled.get("reason").asText()).isEqualTo("superseded by build 1843");
    assertThat(r.json().get("receipt").get("leaf_index").asLong()).isEqualTo(t.entries(id).get(t.entries(id).size() - 1).leafIndex());
    assertThat(t.get("/v1/decisions/" + id).json().get("status").asText()).isEqualTo("cancelled");

    // The same key from someone else is not a replay: refused, not answered as if it were theirs.
    Response other = t.post("/v1/decisions/" + id + "/cancel", "c-1", "{\"actor\":{\"id\":\"mallory\"}}");
    assertThat(other.status()).isIn(403, 409);
  }

  @Test
  void cancelAuthorized_isLegal() throws Exception {
    DecisionState d = submit(READ_DEV, "a-1");

    DecisionState after = engine.cancel(caller("agent_smoke"), d.id(), by("agent_smoke"), IdempotencyKey.of("c")).decision();

    assertThat(after.status()).isEqualTo(DecisionStatus.CANCELLED);
  }

  @Test
  void cancelDenied_overHttp_is409AndTheRefusalIsLedgered() throws Exception {
    String id = t.post("/v1/decisions", "d-1", READ_DEV.replace("\"read\"", "\"teleport\"")).json().get("decision_id").asText();
    int before = t.trail(id).size();

    Response r = t.post("/v1/decisions/" + id + "/cancel", "c-2", "{\"actor\":{\"id\":\"agent_smoke\"}}");

    assertThat(r.status()).as(r.toString()).isEqualTo(409);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/illegal-transition");
    assertThat(r.json().get("decision_status").asText()).isEqualTo("denied");
    assertThat(r.json().get("status").asInt()).as("RFC 9457: the HTTP status").isEqualTo(409);
    assertThat(t.trail(id)).hasSize(before + 1).endsWith("decision.transition_rejected");
    JsonNode refusal = t.payload(t.entries(id).get(before));
    assertThat(refusal.get("from").asText()).isEqualTo("denied");
    assertThat(refusal.get("requested").asText()).isEqualTo("cancelled");
    assertThat(t.get("/v1/decisions/" + id).json().get("status").asText()).isEqualTo("denied");
  }

  @Test
  void cancelTwiceWithAnotherKey_isIllegal() throws Exception {
    DecisionState d = submit(DEPLOY_PROD, "p-2");
    engine.cancel(caller("ci"), d.id(), by("ci"), IdempotencyKey.of("c-a"));

    assertThatThrownBy(() -> engine.cancel(caller("ci"), d.id(), by("ci"), IdempotencyKey.of("c-b")))
        .isInstanceOf(EngineException.TransitionRefused.class)
        .hasMessageContaining("`cancelled` is terminal");
    assertThat(t.trail(d.id())).endsWith("decision.cancelled", "decision.transition_rejected");
  }

  @Test
  void cancelBySomeoneElse_is403AndLedgered() throws Exception {
    String id = t.post("/v1/decisions", "p-3", DEPLOY_PROD).json().get("decision_id").asText();

    Response r = t.post("/v1/decisions/" + id + "/cancel", "c-3", "{\"actor\":{\"id\":\"mallory\"}}");

    assertThat(r.status()).isEqualTo(403);
    assertThat(r.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/not-proposer");
    assertThat(t.trail(id)).endsWith("decision.transition_rejected");
    assertThat(t.payload(t.entries(id).get(t.entries(id).size() - 1)).get("reason").asText()).isEqualTo("not_proposer");
    assertThat(t.get("/v1/decisions/" + id).json().get("status").asText()).isEqualTo("pending_authority");
  }

  /**
   * Black-box run: approver1's refused cancel was recorded with actor {@code {"id":"approver1",
   * "role":"proposer"}}. A refused cancel names the role the caller holds towards the decision.
   */
  @Test
  void cancelBySomeoneElse_isRecordedWithTheRoleTheCallerHolds_neverAsTheProposer() throws Exception {
    String id = t.post("/v1/decisions", "p-5", DEPLOY_PROD).json().get("decision_id").asText();
    java.util.Map<String, String> expected = new java.util.LinkedHashMap<>();
    expected.put(TestIdentity.token("approver1", "supervisor"), "approver");
    expected.put(TestIdentity.token("approver2", "payments-manager"), "caller"); // a role, but not in `infra`
    expected.put(TestIdentity.token("mallory"), "caller");
    expected.put(TestIdentity.token("gateway-1", "arbiter-gateway"), "gateway");

    for (var e : expected.entrySet()) {
      Response r = t.postAs(e.getKey(), "/v1/decisions/" + id + "/cancel", UUID.randomUUID().toString(), "{}");
      assertThat(r.status()).as(r.toString()).isEqualTo(403);
      assertThat(r.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/not-proposer");
      var last = t.entries(id).get(t.entries(id).size() - 1);
      assertThat(last.eventType()).isEqualTo("decision.transition_rejected");
      assertThat(TestServer.JSON.readTree(last.envelope()).get("actor").get("role").asText())
          .as(r.toString()).isEqualTo(e.getValue());
    }
    Response malformed = t.postAs(TestIdentity.token("approver1", "supervisor"), "/v1/decisions/" + id + "/cancel",
        UUID.randomUUID().toString(), "{\"force\":true}");
    assertThat(malformed.status()).isEqualTo(400);
    var last = t.entries(id).get(t.entries(id).size() - 1);
    assertThat(TestServer.JSON.readTree(last.envelope()).get("actor").toString())
        .isEqualTo("{\"id\":\"approver1\",\"role\":\"approver\"}");
    assertThat(t.payload(last).get("reason").asText()).isEqualTo("malformed_cancel");

    Response own = t.post("/v1/decisions/" + id + "/cancel", "c-own", CANCEL_CI);
    assertThat(own.status()).as(own.toString()).isEqualTo(200);
    var cancelled = t.entries(id).get(t.entries(id).size() - 1);
    assertThat(TestServer.JSON.readTree(cancelled.envelope()).get("actor").get("role").asText()).isEqualTo("proposer");
  }

  @Test
  void cancel_malformedBodyOrMissingKeyOrUnknownDecision_areProblems() throws Exception {
    String id = t.post("/v1/decisions", "p-4", DEPLOY_PROD).json().get("decision_id").asText();

    assertThat(t.post("/v1/decisions/" + id + "/cancel", null, CANCEL_CI).status()).isEqualTo(400);
    Response unknownField = t.post("/v1/decisions/" + id + "/cancel", "c-4", "{\"actor\":{\"id\":\"ci\"},\"force\":true}");
    assertThat(unknownField.status()).isEqualTo(400);
    assertThat(unknownField.json().get("errors").get(0).get("code").asText()).isEqualTo("unknown_field");
    assertThat(t.post("/v1/decisions/dec_01JZZZZZZZZZZZZZZZZZZZZZZZ/cancel", "c-5", CANCEL_CI).status()).isEqualTo(404);
    assertThat(t.get("/v1/decisions/" + id).json().get("status").asText()).isEqualTo("pending_authority");
  }

  @Test
  void pendingDecision_expiresAfterItsTtl_onTheInjectedClock() throws Exception {
    DecisionState d = submit(DEPLOY_PROD, "p-5");
    Duration ttl = Duration.between(t.clock.instant(), d.expiresAt().orElseThrow());
    assertThat(ttl).isPositive();

    t.clock.advance(ttl.minusSeconds(1));
    assertThat(engine.expireDue()).isZero();
    t.clock.advance(Duration.ofSeconds(1));
    assertThat(engine.expireDue()).isEqualTo(1);

    assertThat(engine.find(d.id()).status()).isEqualTo(DecisionStatus.EXPIRED);
    assertThat(t.trail(d.id())).endsWith("decision.expired");
    assertThat(t.payload(t.entries(d.id()).get(t.entries(d.id()).size() - 1)).get("expires_at").asText())
        .isEqualTo(d.expiresAt().get().toString());
    assertThat(engine.expireDue()).as("expired once").isZero();
    assertThatThrownBy(() -> engine.cancel(caller("ci"), d.id(), by("ci"), IdempotencyKey.of("late")))
        .isInstanceOf(EngineException.TransitionRefused.class);
  }

  @Test
  void pastItsTtl_aDecisionNeverReadsAsPending_evenBeforeTheSweep_andCannotBeCancelled() throws Exception {
    DecisionState d = submit(DEPLOY_PROD, "p-6");
    t.clock.advance(Duration.between(t.clock.instant(), d.expiresAt().orElseThrow()));

    assertThat(t.get("/v1/decisions/" + d.id()).json().get("status").asText()).isEqualTo("expired");
    assertThat(t.trail(d.id())).endsWith("decision.expired");
    assertThatThrownBy(() -> engine.cancel(caller("ci"), d.id(), by("ci"), IdempotencyKey.of("too-late")))
        .isInstanceOf(EngineException.TransitionRefused.class);
    assertThat(engine.expireDue()).as("already expired on access").isZero();
    assertThat(t.trail(d.id()).stream().filter("decision.expired"::equals).count()).isEqualTo(1);
  }

  @Test
  void nonPendingDecisions_neverExpire() throws Exception {
    DecisionState allowed = submit(READ_DEV, "a-2");
    t.clock.advance(Duration.ofDays(30));

    assertThat(engine.expireDue()).isZero();
    assertThat(engine.find(allowed.id()).status()).isEqualTo(DecisionStatus.AUTHORIZED);
  }
}
