package dev.arbiter.core.authority;

import dev.arbiter.core.decision.Environment;
import dev.arbiter.core.risk.RiskBand;
import java.util.List;
import java.util.Optional;

/**
 * Ordered authority routes; the first route that matches wins. No match means deny. When a gate has
 * already required approval, routes that name no approvers ({@code min_signatures: 0}) are passed
 * over, so an auto-allow route never swallows a required approval.
 */
public record AuthorityMap(List<AuthorityRoute> routes) {
  public AuthorityMap {
    routes = List.copyOf(routes);
  }

  public Optional<AuthorityRoute> route(
      RiskBand band, String actionClass, Environment environment, boolean approvalRequired) {
    for (AuthorityRoute r : routes) {
      if (approvalRequired && !r.requirement().requiresApproval()) {
        continue;
      }
      if (r.matches(band, actionClass, environment)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
