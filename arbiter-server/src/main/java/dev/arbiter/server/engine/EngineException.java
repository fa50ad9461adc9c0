package dev.arbiter.server.engine;

import dev.arbiter.core.decision.DecisionStatus;
import dev.arbiter.core.decision.FieldError;
import java.time.Duration;
import java.util.List;

/**
 * Every way the engine refuses a request. Sealed: the HTTP layer maps it with one exhaustive switch,
 * so a new refusal kind does not compile until it has an answer. Messages never carry secrets (an
 * idempotency key is named by its hash only).
 */
public abstract sealed class EngineException extends Exception {
  private EngineException(String message) {
    super(message, null, false, false);
  }

  /** The input is malformed: every problem, each with a code, path, got and want. */
  public static final class InvalidInput extends EngineException {
    private final List<FieldError> errors;

    public InvalidInput(List<FieldError> errors) {
      this(FieldError.capped(errors, 20), true);
    }

    private InvalidInput(List<FieldError> capped, boolean unused) {
      super(String.join("; ", capped.stream().map(FieldError::toString).toList()));
      this.errors = List.copyOf(capped);
    }

    public List<FieldError> errors() {
      return errors;
    }
  }

  /** The request body is larger than the configured limit. */
  public static final class TooLarge extends EngineException {
    public TooLarge(long got, int limit) {
      super("request body of " + (got < 0 ? "more than " + limit : got) + " bytes exceeds the limit of " + limit + " bytes");
    }
  }

  /** No decision has this id. */
  public static final class NotFound extends EngineException {
    /** Echoes {@code decisionId} as 400s echo input: cut, and never when it looks like a credential. */
    public NotFound(String decisionId) {
      super("no decision " + dev.arbiter.core.decision.FieldError.quoted(decisionId, "an id"));
    }
  }

  /** The idempotency key was already used for a different request (recorded on that decision). */
  public static final class IdempotencyConflict extends EngineException {
    private final String decisionId;

    public IdempotencyConflict(String decisionId) {
      super("this Idempotency-Key was already used for a different request (decision `" + decisionId + "`)");
      this.decisionId = decisionId;
    }

    public String decisionId() {
      return decisionId;
    }
  }

  /** The decision's status does not allow the requested change (recorded on the decision). */
  public static final class TransitionRefused extends EngineException {
    private final String decisionId;
    private final DecisionStatus from;
    private final DecisionStatus to;

    public TransitionRefused(String decisionId, DecisionStatus from, DecisionStatus to, String why) {
      super("decision `" + decisionId + "` cannot move to `" + to.wireName() + "`: " + why);
      this.decisionId = decisionId;
      this.from = from;
      this.to = to;
    }

    public String decisionId() {
      return decisionId;
    }

    public DecisionStatus from() {
      return from;
    }

    public DecisionStatus to() {
      return to;
    }
  }

  /** Only the proposer may do this (recorded on the decision). */
  public static final class NotProposer extends EngineException {
    public NotProposer(String decisionId) {
      super("only the proposer of decision `" + decisionId + "` may cancel it");
    }
  }

  /**
   * Governance is degraded: the ledger did not confirm in time, so nothing is decided (outcome {@code
   * queue}). The client retries with the same Idempotency-Key.
   */
  public static final class Degraded extends EngineException {
    private final Duration retryAfter;

    public Degraded(String message, Duration retryAfter) {
      super(message);
      this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
      return retryAfter;
    }
  }
  /** No valid bearer token: {@code reason} is the verifier's stable code, in lower case. */
  public static final class Unauthenticated extends EngineException {
    private final String reason;

    public Unauthenticated(String reason, String message) {
      super(message);
      this.reason = reason;
    }

    public String reason() {
      return reason;
    }
  }

  /**
   * The ledger failed an integrity check while the engine ran: every change is refused until an
   * operator has looked. Not a passing outage, so no retry is suggested.
   */
  public static final class LedgerIntegrityFailed extends EngineException {
    public LedgerIntegrityFailed(String message) {
      super(message);
    }
  }

  /** The identity provider cannot be reached and its keys are not cached: nothing is accepted on stale trust. */
  public static final class IdentityUnavailable extends EngineException {
    private final Duration retryAfter;

    public IdentityUnavailable(String message, Duration retryAfter) {
      super(message);
      this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
      return retryAfter;
    }
  }

  /** An authenticated caller asked for something it may not do; {@code slug} is the problem type. */
  public static final class Forbidden extends EngineException {
    private final String slug;

    public Forbidden(String slug, String message) {
      super(message);
      this.slug = slug;
    }

    public String slug() {
      return slug;
    }
  }

  /**
   * An approval, rejection or challenge was refused (recorded as {@code approval.rejected}); {@code
   * reason} is a stable code from docs/api-approvals-grants.md.
   */
  public static final class ApprovalRejected extends EngineException {
    private final String decisionId;
    private final String reason;
    private final DecisionStatus status;

    public ApprovalRejected(String decisionId, String reason, String message, DecisionStatus status) {
      super(message);
      this.decisionId = decisionId;
      this.reason = reason;
      this.status = status;
    }

    public String decisionId() {
      return decisionId;
    }

    public String reason() {
      return reason;
    }

    /** The decision's status when the refusal is about it (not pending), else null. */
    public DecisionStatus status() {
      return status;
    }
  }

  /**
   * A key enrolment's proof of possession was missing or did not hold (recorded as {@code
   * key.enrolment_rejected}); {@code reason} is a stable code from docs/api-approvals-grants.md.
   * Nothing was enrolled.
   */
  public static final class KeyProofRejected extends EngineException {
    private final String reason;

    public KeyProofRejected(String reason, String message) {
      super(message);
      this.reason = reason;
    }

    public String reason() {
      return reason;
    }
  }

  /** Too many requests from one approver or on one decision. */
  public static final class RateLimited extends EngineException {
    private final Duration retryAfter;

    public RateLimited(String message, Duration retryAfter) {
      super(message);
      this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
      return retryAfter;
    }
  }

  /** The resource conflicts with the current state: {@code slug} is the problem type. */
  public static final class Conflict extends EngineException {
    private final String slug;
    private final String title;

    public Conflict(String slug, String title, String message) {
      super(message);
      this.slug = slug;
      this.title = title;
    }

    public String slug() {
      return slug;
    }

    public String title() {
      return title;
    }
  }
}
