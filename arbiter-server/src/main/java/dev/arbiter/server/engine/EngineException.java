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
    public NotFound(String decisionId) {
      super("no decision `" + decisionId + "`");
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
}
