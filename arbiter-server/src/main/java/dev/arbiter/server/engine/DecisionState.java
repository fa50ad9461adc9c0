package dev.arbiter.server.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.decision.DecisionStatus;
import dev.arbiter.core.decision.Outcome;
import dev.arbiter.ledger.receipt.Receipt;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the engine knows about one decision: a projection of its ledger stream (see {@link
 * DecisionProjection}), never a second source of truth.
 *
 * @param proposer the requesting actor id; empty when the request had none (it was denied)
 * @param idempotencyKeyHash hash of the Idempotency-Key that created it
 * @param requestHash {@code sha256:} of the canonical normalised request (idempotency comparison)
 * @param evaluation the evaluation as {@code decision.evaluated} recorded it
 * @param expiresAt when a pending decision expires; empty otherwise
 * @param cancelKeyHash the Idempotency-Key hash of the cancel that ended it, if cancelled
 * @param lastLeafIndex the ledger leaf of the stream's latest event
 * @param receipt the receipt of that event when this process appended it (kept as the ledger's
 *     record, rendered to JSON only for an answer); empty after a replay
 *     (the engine rebuilds one on demand)
 * @param request the normalised (redacted) request as {@code decision.created} recorded it
 * @param approvals accepted approvals, consumed nonces, grants and execution
 */
public record DecisionState(
    String id,
    DecisionStatus status,
    Outcome outcome,
    Optional<String> proposer,
    String idempotencyKeyHash,
    String requestHash,
    String policyHash,
    RecordedEvaluation evaluation,
    Optional<Instant> expiresAt,
    Optional<String> cancelKeyHash,
    long lastLeafIndex,
    Optional<Receipt> receipt,
    ObjectNode request,
    DecisionApprovals approvals) {

  public DecisionState {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(proposer, "proposer");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(cancelKeyHash, "cancelKeyHash");
    Objects.requireNonNull(receipt, "receipt");
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(approvals, "approvals");
  }

  DecisionState withStatus(DecisionStatus next) {
    return new DecisionState(id, next, outcome, proposer, idempotencyKeyHash, requestHash, policyHash, evaluation,
        expiresAt, cancelKeyHash, lastLeafIndex, receipt, request, approvals);
  }

  DecisionState withEvaluation(RecordedEvaluation json) {
    return new DecisionState(id, status, outcome, proposer, idempotencyKeyHash, requestHash, policyHash, json,
        expiresAt, cancelKeyHash, lastLeafIndex, receipt, request, approvals);
  }

  DecisionState withResult(DecisionStatus next, Outcome result, Optional<Instant> expiry) {
    return new DecisionState(id, next, result, proposer, idempotencyKeyHash, requestHash, policyHash, evaluation,
        expiry, cancelKeyHash, lastLeafIndex, receipt, request, approvals);
  }

  DecisionState withCancelKey(String keyHash) {
    return new DecisionState(id, status, outcome, proposer, idempotencyKeyHash, requestHash, policyHash, evaluation,
        expiresAt, Optional.ofNullable(keyHash), lastLeafIndex, receipt, request, approvals);
  }

  DecisionState at(long leafIndex, Optional<Receipt> receiptOfLeaf) {
    return new DecisionState(id, status, outcome, proposer, idempotencyKeyHash, requestHash, policyHash, evaluation,
        expiresAt, cancelKeyHash, leafIndex, receiptOfLeaf, request, approvals);
  }

  DecisionState withApprovals(DecisionApprovals next) {
    return new DecisionState(id, status, outcome, proposer, idempotencyKeyHash, requestHash, policyHash, evaluation,
        expiresAt, cancelKeyHash, lastLeafIndex, receipt, request, next);
  }

  /** The action class of the request (the approval domain is derived from it). */
  public String actionClass() {
    return request.path("action").path("class").asText("");
  }

  /** Whether the whole evaluation trail has been applied (a state is only published when complete). */
  boolean complete() {
    return evaluation != null && outcome != null && status != DecisionStatus.EVALUATED;
  }
}
