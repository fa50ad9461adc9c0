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
}
