package dev.arbiter.core.policy;

/**
 * The result of evaluating a policy condition. Sealed so that every caller handles failure
 * explicitly: a new failure kind breaks the build instead of slipping through (STYLE 12). Policy
 * evaluation treats {@link Failed} as a deny, never as a skip.
 */
public sealed interface ConditionResult {
  /** The condition evaluated to {@code true}. */
  record Holds() implements ConditionResult {}

  /** The condition evaluated to {@code false}. */
  record DoesNotHold() implements ConditionResult {}

  /** The condition could not be evaluated. */
  record Failed(EvaluationFailure failure) implements ConditionResult {}

  ConditionResult HOLDS = new Holds();
  ConditionResult DOES_NOT_HOLD = new DoesNotHold();
}
