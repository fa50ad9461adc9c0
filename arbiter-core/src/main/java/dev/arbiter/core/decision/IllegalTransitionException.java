package dev.arbiter.core.decision;

/** A decision status change that the lifecycle table does not allow (HTTP 409). */
public final class IllegalTransitionException extends Exception {
  private final DecisionStatus from;
  private final DecisionStatus to;

  public IllegalTransitionException(DecisionStatus from, DecisionStatus to) {
    super(
        "illegal decision transition `"
            + from.wireName()
            + "` → `"
            + to.wireName()
            + "`"
            + (from.isTerminal() ? " (`" + from.wireName() + "` is terminal)" : ""));
    this.from = from;
    this.to = to;
  }

  public DecisionStatus from() {
    return from;
  }

  public DecisionStatus to() {
    return to;
  }
}
