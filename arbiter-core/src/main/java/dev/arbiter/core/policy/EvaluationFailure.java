package dev.arbiter.core.policy;

/** Why a condition could not be evaluated. Sealed: callers switch over it exhaustively. */
public sealed interface EvaluationFailure {
  /** A lowercase, author-facing description. */
  String message();

  /** CEL raised an error: a missing map key, no matching overload, division by zero, ... */
  record RuntimeError(String message) implements EvaluationFailure {}

  /** The expression produced a value that is not a boolean (possible with {@code dyn} payloads). */
  record NotBoolean(String got) implements EvaluationFailure {
    public String message() {
      return "condition produced " + got + ", want bool";
    }
  }
}
