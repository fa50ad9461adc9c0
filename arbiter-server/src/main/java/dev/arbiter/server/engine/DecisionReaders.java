package dev.arbiter.server.engine;

import dev.arbiter.server.config.SecurityConfig;
import dev.arbiter.server.identity.Principal;
import java.util.Optional;

/** Who may read a decision: its proposer, gateways, and callers with a mapped role in its domain. */
public final class DecisionReaders {
  private DecisionReaders() {}

  /** Whether {@code p} may read a decision of {@code actionClass} proposed by {@code proposer}. */
  public static boolean mayRead(SecurityConfig security, Principal p, String actionClass, Optional<String> proposer) {
    return proposer.filter(p.subject()::equals).isPresent()
        || p.roles().contains(security.gatewayRole())
        || !p.rolesIn(security.domainOf(actionClass)).isEmpty();
  }

  /**
   * What {@code p} is to a decision, as the role of the actor its refused attempts are recorded with:
   * {@code proposer}, {@code gateway}, {@code approver} (a mapped role in the decision's domain), or
   * {@code caller} (none of these). Black-box run: approver1's refused cancel of another's decision
   * was recorded as by a "proposer", which reads on the ledger as the proposer cancelling.
   */
  public static String roleOf(SecurityConfig security, Principal p, String actionClass, Optional<String> proposer) {
    if (proposer.filter(p.subject()::equals).isPresent()) {
      return "proposer";
    }
    if (p.roles().contains(security.gatewayRole())) {
      return "gateway";
    }
    return p.rolesIn(security.domainOf(actionClass)).isEmpty() ? "caller" : "approver";
  }
}
