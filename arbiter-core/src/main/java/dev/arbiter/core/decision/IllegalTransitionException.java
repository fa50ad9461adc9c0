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

  /** A transition the table allows but the decision's state forbids, with the reason. */
  public IllegalTransitionException(DecisionStatus from, DecisionStatus to, String why) {
    super("illegal decision transition `" + from.wireName() + "` → `" + to.wireName() + "`: " + why);
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
