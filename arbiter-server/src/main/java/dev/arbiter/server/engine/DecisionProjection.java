package dev.arbiter.server.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.decision.DecisionLifecycle;
import dev.arbiter.core.decision.DecisionStatus;
import dev.arbiter.core.decision.IllegalTransitionException;
import dev.arbiter.core.decision.Outcome;
import dev.arbiter.ledger.event.EventDraft;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * Folds one decision stream's ledger events into a {@link DecisionState}. The one place where the
 * engine changes a decision's status, for live requests (the events are folded <em>before</em> they
 * are appended, so an illegal transition never reaches the ledger) and for the replay at startup
 * alike; every status change goes through {@link DecisionLifecycle#transition}.
 *
 * <p>Events that change state: {@code decision.created}, {@code decision.evaluated}, {@code
 * enforcement.result}, {@code decision.cancelled}, {@code decision.expired}, {@code approval.added},
 * {@code rejection.added} (its nonce), {@code grant.issued}, {@code execution.started}, {@code
 * execution.confirmed}. Every other event type of a
 * decision stream ({@code policy.gate}, {@code risk.scored}, {@code authority.required}, the recorded
 * refusals) is evidence only and leaves the state as it is.
 */
final class DecisionProjection {
  static final String CREATED = "decision.created";
  static final String GATE = "policy.gate";
  static final String RISK = "risk.scored";
  static final String AUTHORITY = "authority.required";
  static final String EVALUATED = "decision.evaluated";
  static final String RESULT = "enforcement.result";
  static final String CANCELLED = "decision.cancelled";
  static final String EXPIRED = "decision.expired";
  static final String TRANSITION_REJECTED = "decision.transition_rejected";
  static final String REQUEST_REJECTED = "decision.request_rejected";
  static final String APPROVAL_ADDED = "approval.added";
  static final String APPROVAL_REJECTED = "approval.rejected";
  static final String APPROVAL_ANOMALY = "approval.anomaly";
  static final String REJECTION_ADDED = "rejection.added";
  static final String GRANT_ISSUED = "grant.issued";
  static final String EXECUTION_STARTED = "execution.started";
  static final String EXECUTION_CONFIRMED = "execution.confirmed";
  static final String EXECUTION_FAILED = "execution.failed";
  static final String EXECUTION_REFUSED = "execution.refused";
  /** A gateway gave up on a grant whose start it could not confirm; that grant starts nothing afterwards. */
  static final String EXECUTION_ABANDONED = "execution.abandoned";

  /** The event types whose payload the fold reads; every other type is evidence only. */
  private static final Set<String> READS_PAYLOAD = Set.of(CREATED, RESULT, CANCELLED, APPROVAL_ADDED, REJECTION_ADDED,
      GRANT_ISSUED, EXECUTION_STARTED, EXECUTION_ABANDONED);

  /** Reads any envelope ever recorded, including requests accepted before inputs were limited to 64 levels. */
  private static final ObjectMapper JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
      .streamReadConstraints(dev.arbiter.core.canonical.JsonDepth.constraints(dev.arbiter.core.canonical.JsonDepth.STORED))
      .build());

  private DecisionProjection() {}

  /**
   * Applies one event.
   *
   * @param current the state so far, or null before {@code decision.created}
   * @return the new state (the same one for evidence-only events)
   * @throws IllegalTransitionException when the event moves the decision illegally
   * @throws IllegalStateException when the stream is malformed (an event before its creation, a
   *     second creation, a missing field): the ledger holds something this engine never wrote
   */
  static DecisionState apply(DecisionState current, String streamId, String eventType, JsonNode payload, long leafIndex)
      throws IllegalTransitionException {
    return apply(current, streamId, eventType, payload, null, leafIndex);
  }

  /**
   * Folds an event this engine is about to append: the draft already holds its payload's canonical
   * bytes, which the evaluation keeps as they are (no second encoding).
   */
  static DecisionState apply(DecisionState current, String streamId, EventDraft draft) throws IllegalTransitionException {
    String type = draft.eventType();
    if (type.equals(EVALUATED)) {
      return apply(current, streamId, EVALUATED, null, draft.canonicalPayload(), -1);
    }
    // Evidence-only events (a gate, the risk score: ~2 KB) leave the state as it is: no copy of their payload.
    JsonNode payload = READS_PAYLOAD.contains(type) ? draft.payload() : MissingNode.getInstance();
    return apply(current, streamId, type, payload, null, -1);
  }

  /**
   * Folds a stored event, reading no more of its canonical envelope than the live path would: the
   * evaluation's payload is kept as the bytes it was written as (sliced out of the envelope, not
   * parsed and re-encoded), evidence-only events are not parsed at all, and only the types in
   * {@link #READS_PAYLOAD} become a tree. This is what makes start-up replay cheap per entry.
   *
   * @throws IOException when the envelope is not JSON or has no payload object
   */
  static DecisionState applyStored(DecisionState current, String streamId, String eventType, byte[] envelope,
      long leafIndex) throws IllegalTransitionException, IOException {
    if (eventType.equals(EVALUATED)) {
      return apply(current, streamId, EVALUATED, null, payloadBytes(envelope), leafIndex);
    }
    JsonNode payload = READS_PAYLOAD.contains(eventType) ? envelopePayload(envelope) : MissingNode.getInstance();
    return apply(current, streamId, eventType, payload, null, leafIndex);
  }

  /** A stored {@code decision.created}: the state it starts, and who recorded it (the caller who submitted it). */
  record Creation(DecisionState state, String actorId) {}

  /**
   * As {@link #applyStored} for a {@code decision.created}, parsing its envelope once for both the
   * payload and the actor (the replay scopes the decision's Idempotency-Key by that actor).
   *
   * @throws IOException when the envelope is not JSON, or lacks a payload object or an {@code actor.id}
   */
  static Creation applyStoredCreation(DecisionState current, String streamId, byte[] envelope, long leafIndex)
      throws IllegalTransitionException, IOException {
    JsonNode tree = JSON.readTree(envelope);
    JsonNode payload = tree.get("payload");
    JsonNode actor = tree.path("actor").path("id");
    if (payload == null || !payload.isObject() || !actor.isTextual()) {
      throw new IOException("a decision.created envelope without a payload object or an actor.id");
    }
    return new Creation(apply(current, streamId, CREATED, payload, null, leafIndex), actor.asText());
  }

  private static JsonNode envelopePayload(byte[] envelope) throws IOException {
    JsonNode payload = JSON.readTree(envelope).get("payload");
    if (payload == null) {
      throw new IOException("envelope without a payload");
    }
    return payload;
  }

  /**
   * The bytes of the envelope's {@code payload} member, as written. The envelope is canonical JSON
   * built from the draft's canonical payload bytes, so this slice is those bytes exactly.
   */
  static byte[] payloadBytes(byte[] envelope) throws IOException {
    int[] span = JsonSpans.of(envelope).get("payload");
    if (span == null || envelope[span[0]] != '{') {
      throw new IOException("envelope without a payload object");
    }
    return Arrays.copyOfRange(envelope, span[0], span[1]);
  }

  private static DecisionState apply(DecisionState current, String streamId, String eventType, JsonNode payload,
      byte[] canonicalPayload, long leafIndex) throws IllegalTransitionException {
    if (eventType.equals(CREATED)) {
      if (current != null) {
        throw new IllegalStateException(streamId + ": a second decision.created");
      }
      return new DecisionState(streamId, DecisionStatus.EVALUATED, null, optionalText(payload, "proposer"),
          text(payload, "idempotency_key_hash", streamId), text(payload, "request_hash", streamId),
          text(payload, "policy_hash", streamId), null, Optional.empty(), Optional.empty(), leafIndex, Optional.empty(),
          payload.get("request") instanceof ObjectNode r ? r : JSON.createObjectNode(), DecisionApprovals.NONE);
    }
    if (current == null) {
      throw new IllegalStateException(streamId + ": " + eventType + " before decision.created");
    }
    DecisionState next = switch (eventType) {
      case EVALUATED -> current.withEvaluation(canonicalPayload != null
          ? RecordedEvaluation.ofCanonical(canonicalPayload) : RecordedEvaluation.of(payload));
      case RESULT -> {
        DecisionStatus to = status(text(payload, "status", streamId), streamId);
        Outcome outcome = Outcome.fromWireName(text(payload, "outcome", streamId))
            .orElseThrow(() -> new IllegalStateException(streamId + ": unknown outcome"));
        Optional<Instant> expiry = optionalText(payload, "expires_at").map(Instant::parse);
        DecisionState result = current.withResult(DecisionLifecycle.transition(current.status(), to), outcome, expiry);
        yield to == DecisionStatus.AUTHORIZED ? result.withApprovals(result.approvals().withAuthorizedAt(leafIndex)) : result;
      }
      case CANCELLED -> refuseOnceExecuting(current, streamId).withResult(DecisionLifecycle.transition(current.status(), DecisionStatus.CANCELLED),
          current.outcome(), Optional.empty()).withCancelKey(optionalText(payload, "idempotency_key_hash").orElse(null));
      case EXPIRED -> current.withResult(DecisionLifecycle.transition(current.status(), DecisionStatus.EXPIRED),
          current.outcome(), Optional.empty());
      case APPROVAL_ADDED -> current.withApprovals(current.approvals().withApproval(accepted(payload, streamId)));
      case REJECTION_ADDED -> current.withApprovals(current.approvals().withNonceUsed(text(payload, "nonce", streamId)));
      case GRANT_ISSUED -> current.withApprovals(current.approvals().withGrantIssued(text(payload, "grant_id", streamId),
          optionalText(payload, "grant_hash"), recordedGrant(payload)));
      case EXECUTION_STARTED -> {
        if (current.approvals().executionId().isPresent()) {
          throw new IllegalStateException(streamId + ": a second execution.started");
        }
        Optional<String> attempt = optionalText(payload, "attempt");
        Optional<String> gateway = optionalText(payload, "gateway");
        yield current.withApprovals(current.approvals().withExecution(text(payload, "execution_id", streamId),
            optionalText(payload, "grant_id").orElse(null),
            // "subject attempt"; a start that named no attempt still names its gateway (the outcome's check)
            gateway.map(g -> g + " " + attempt.orElse(""))));
      }
      case EXECUTION_ABANDONED -> current.withApprovals(current.approvals().withGrantAbandoned(text(payload, "grant_id", streamId)));
      case EXECUTION_CONFIRMED -> {
        DecisionState done = current.withResult(DecisionLifecycle.transition(current.status(), DecisionStatus.EXECUTED),
            current.outcome(), Optional.empty());
        yield done.withApprovals(done.approvals().withExecutionFinished());
      }
      case EXECUTION_FAILED -> current.withApprovals(current.approvals().withExecutionFinished());
      default -> current;
    };
    return next.at(leafIndex, Optional.empty());
  }

  /** Once an execution started, the decision's outcome belongs to that execution: no cancel. */
  private static DecisionState refuseOnceExecuting(DecisionState d, String streamId) throws IllegalTransitionException {
    if (d.approvals().executionId().isPresent()) {
      throw new IllegalTransitionException(d.status(), DecisionStatus.CANCELLED,
          "an execution started (" + d.approvals().executionId().get() + "): its outcome, not a cancel, ends this decision");
    }
    return d;
  }

  private static DecisionApprovals.Accepted accepted(JsonNode p, String streamId) {
    java.util.List<String> roles = new java.util.ArrayList<>();
    p.path("roles").forEach(r -> roles.add(r.asText()));
    Optional<dev.arbiter.core.authority.AuthorityLevel> level = optionalText(p, "level")
        .flatMap(dev.arbiter.core.authority.AuthorityLevel::fromName);
    return new DecisionApprovals.Accepted(new dev.arbiter.core.approval.Signer(text(p, "actor", streamId), level, roles),
        text(p, "key_id", streamId), text(p, "nonce", streamId), Instant.parse(text(p, "signed_at", streamId)));
  }

  /** What a {@code grant.issued} records to sign the same grant again; empty for an event of before that. */
  private static Optional<DecisionApprovals.RecordedGrant> recordedGrant(JsonNode p) {
    JsonNode leaf = p.get("receipt_leaf_index");
    JsonNode size = p.get("receipt_tree_size");
    Optional<String> grantId = optionalText(p, "grant_id");
    Optional<String> hash = optionalText(p, "grant_hash");
    Optional<String> nonce = optionalText(p, "nonce");
    Optional<String> notBefore = optionalText(p, "not_before");
    Optional<String> expiresAt = optionalText(p, "expires_at");
    if (leaf == null || !leaf.canConvertToExactIntegral() || size == null || !size.canConvertToExactIntegral()
        || grantId.isEmpty() || hash.isEmpty() || nonce.isEmpty() || notBefore.isEmpty() || expiresAt.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new DecisionApprovals.RecordedGrant(grantId.get(), hash.get(), nonce.get(),
          Instant.parse(notBefore.get()), Instant.parse(expiresAt.get()), leaf.asLong(), size.asLong(),
          optionalText(p, "receipt_prev_entry_hash")));
    } catch (java.time.format.DateTimeParseException e) {
      return Optional.empty(); // evidence only: such a grant is issued anew on request
    }
  }

  private static DecisionStatus status(String wire, String streamId) {
    return Arrays.stream(DecisionStatus.values()).filter(s -> s.wireName().equals(wire)).findFirst()
        .orElseThrow(() -> new IllegalStateException(streamId + ": unknown status `" + wire + "`"));
  }

  private static String text(JsonNode payload, String field, String streamId) {
    JsonNode n = payload.get(field);
    if (n == null || !n.isTextual()) {
      throw new IllegalStateException(streamId + ": event payload lacks `" + field + "`");
    }
    return n.asText();
  }

  private static Optional<String> optionalText(JsonNode payload, String field) {
    JsonNode n = payload.get(field);
    return n == null || !n.isTextual() ? Optional.empty() : Optional.of(n.asText());
  }
}
