package dev.arbiter.server.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.decision.DecisionRequest;
import dev.arbiter.core.decision.DecisionRequestJson;
import dev.arbiter.core.decision.DecisionStatus;
import dev.arbiter.core.decision.Evaluation;
import dev.arbiter.core.decision.EvaluationJson;
import dev.arbiter.core.decision.Outcome;
import dev.arbiter.core.policy.GateEffect;
import dev.arbiter.core.policy.GateResult;
import dev.arbiter.ledger.event.Actor;
import dev.arbiter.ledger.event.EventDraft;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The ledger events of one decision, appended atomically in this order:
 *
 * <ol>
 *   <li>{@code decision.created}: {@code {request (normalised), proposer, idempotency_key_hash,
 *       request_hash, policy_hash}}, by the authenticated caller (the proposer, when the request names
 *       an actor: it must be the caller), role {@code proposer};
 *   <li>{@code policy.gate} for each gate that denied, failed or required approval: that gate's
 *       result;
 *   <li>{@code risk.scored}: {@code {score, band, factors[]}};
 *   <li>{@code authority.required} (pending decisions only): {@code {requirement, expires_at}};
 *   <li>{@code decision.evaluated}: the whole evaluation (every gate's result), as {@code
 *       EvaluationJson};
 *   <li>{@code enforcement.result}: {@code {outcome, status, expires_at}}.
 * </ol>
 *
 * Every event's {@code policy_version} is the pinned bundle hash. Events after the first are by the
 * engine ({@code arbiter}/{@code engine}). No raw idempotency key ever appears.
 */
final class DecisionTrail {
  static final Actor ENGINE = new Actor("arbiter", "engine");
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private DecisionTrail() {}

  static DecisionStatus statusFor(Outcome outcome) {
    return switch (outcome) {
      case ALLOW -> DecisionStatus.AUTHORIZED;
      case DENY -> DecisionStatus.DENIED;
      case PENDING_AUTHORITY -> DecisionStatus.PENDING_AUTHORITY;
      case QUEUE -> throw new IllegalArgumentException("a queued request is never recorded as a decision");
    };
  }

  static Optional<Instant> expiry(Evaluation e, Instant now) {
    return e.outcome() == Outcome.PENDING_AUTHORITY
        ? e.authority().map(a -> now.plus(a.decisionTtl()))
        : Optional.empty();
  }

  static List<EventDraft> of(String decisionId, DecisionRequest request, Evaluation e, IdempotencyKey key,
      String requestHash, Optional<Instant> expiresAt, String caller) {
    String policy = e.policy().hash();
    // Built here for these drafts alone and never changed after: the drafts own their trees (no
    // copies), and the gate, risk and authority events share the evaluation's nodes.
    ObjectNode evaluation = EvaluationJson.toJson(e);
    List<EventDraft> drafts = new ArrayList<>();

    ObjectNode created = F.objectNode();
    created.set("request", DecisionRequestJson.toJson(request));
    request.context().actorId().ifPresentOrElse(id -> created.put("proposer", id), () -> created.putNull("proposer"));
    created.put("idempotency_key_hash", key.hash());
    created.put("request_hash", requestHash);
    created.put("policy_hash", policy);
    // The authenticated caller, who is the request's actor when it names one: the replay scopes the
    // Idempotency-Key by it (ledgers written before recorded `anonymous` for a request without an actor).
    Actor proposer = new Actor(caller, "proposer");
    drafts.add(EventDraft.owning(decisionId, DecisionProjection.CREATED, policy, proposer, created));

    List<GateResult> gates = e.gates();
    for (int i = 0; i < gates.size(); i++) {
      GateResult g = gates.get(i);
      boolean asksApproval = g.status() == GateResult.Status.MATCHED && g.effect() == GateEffect.REQUIRE_APPROVAL;
      if (g.denies() || asksApproval) {
        drafts.add(engineEvent(decisionId, DecisionProjection.GATE, policy, evaluation.get("gates").get(i)));
      }
    }
    drafts.add(engineEvent(decisionId, DecisionProjection.RISK, policy, evaluation.get("risk")));
    if (e.outcome() == Outcome.PENDING_AUTHORITY) {
      ObjectNode required = F.objectNode();
      required.set("requirement", evaluation.get("authority"));
      required.put("expires_at", expiresAt.orElseThrow().toString());
      drafts.add(engineEvent(decisionId, DecisionProjection.AUTHORITY, policy, required));
    }
    drafts.add(engineEvent(decisionId, DecisionProjection.EVALUATED, policy, evaluation));
    ObjectNode result = F.objectNode();
    result.put("outcome", e.outcome().wireName());
    result.put("status", statusFor(e.outcome()).wireName());
    expiresAt.ifPresentOrElse(t -> result.put("expires_at", t.toString()), () -> result.putNull("expires_at"));
    drafts.add(engineEvent(decisionId, DecisionProjection.RESULT, policy, result));
    return drafts;
  }

  /** An engine event whose payload was built for it: the draft owns the tree (see {@link EventDraft#owning}). */
  static EventDraft engineEvent(String decisionId, String type, String policy, JsonNode payload) {
    return EventDraft.owning(decisionId, type, policy, ENGINE, payload);
  }
}
