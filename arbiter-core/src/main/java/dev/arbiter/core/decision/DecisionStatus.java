package dev.arbiter.core.decision;

/**
 * The lifecycle status of a decision (DESIGN §3). Transitions are enforced only by {@link
 * DecisionLifecycle#transition(DecisionStatus, DecisionStatus)}.
 */
public enum DecisionStatus {
  EVALUATED("evaluated"),
  PENDING_AUTHORITY("pending_authority"),
  AUTHORIZED("authorized"),
  EXECUTED("executed"),
  DENIED("denied"),
  EXPIRED("expired"),
  CANCELLED("cancelled");

  private final String wireName;

  DecisionStatus(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** Terminal statuses admit no further transition: denied, executed, expired, cancelled. */
  public boolean isTerminal() {
    return DecisionLifecycle.successors(this).isEmpty();
  }
}
