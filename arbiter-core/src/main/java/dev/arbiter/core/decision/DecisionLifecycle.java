package dev.arbiter.core.decision;

import static dev.arbiter.core.decision.DecisionStatus.AUTHORIZED;
import static dev.arbiter.core.decision.DecisionStatus.CANCELLED;
import static dev.arbiter.core.decision.DecisionStatus.DENIED;
import static dev.arbiter.core.decision.DecisionStatus.EXECUTED;
import static dev.arbiter.core.decision.DecisionStatus.EXPIRED;
import static dev.arbiter.core.decision.DecisionStatus.PENDING_AUTHORITY;

import java.util.EnumSet;
import java.util.Set;

/**
 * The one place where decision status transitions are decided. The table (DESIGN §3, recorded in
 * docs/design.md):
 *
 * <pre>
 * evaluated         → pending_authority | authorized | denied
 * pending_authority → authorized | denied | expired | cancelled
 * authorized        → executed | expired | cancelled
 * denied, executed, expired, cancelled: terminal
 * </pre>
 *
 * Self-transitions are illegal: a repeated event is a caller bug or a replay, never a no-op.
 */
public final class DecisionLifecycle {
  private DecisionLifecycle() {}

  /** The statuses {@code from} may move to; empty for terminal statuses. */
  public static Set<DecisionStatus> successors(DecisionStatus from) {
    return switch (from) {
      case EVALUATED -> EnumSet.of(PENDING_AUTHORITY, AUTHORIZED, DENIED);
      case PENDING_AUTHORITY -> EnumSet.of(AUTHORIZED, DENIED, EXPIRED, CANCELLED);
      case AUTHORIZED -> EnumSet.of(EXECUTED, EXPIRED, CANCELLED);
      case DENIED, EXECUTED, EXPIRED, CANCELLED -> EnumSet.noneOf(DecisionStatus.class);
    };
  }

  /**
   * Returns {@code to} if moving from {@code from} to {@code to} is legal.
   *
   * @throws IllegalTransitionException otherwise, naming both statuses
   */
  public static DecisionStatus transition(DecisionStatus from, DecisionStatus to)
      throws IllegalTransitionException {
    if (!successors(from).contains(to)) {
      throw new IllegalTransitionException(from, to);
    }
    return to;
  }
}
