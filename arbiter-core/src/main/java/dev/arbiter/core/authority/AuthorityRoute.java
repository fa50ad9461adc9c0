package dev.arbiter.core.authority;

import dev.arbiter.core.decision.Environment;
import dev.arbiter.core.risk.RiskBand;
import java.util.Set;

/**
 * One row of the authority map: a match on (band, action class, environment) and the requirement
 * it yields. An empty match set matches anything.
 */
public record AuthorityRoute(
    String id,
    Set<RiskBand> bands,
    Set<String> actionClasses,
    Set<Environment> environments,
    AuthorityRequirement requirement) {
  public AuthorityRoute {
    bands = Set.copyOf(bands);
    actionClasses = Set.copyOf(actionClasses);
    environments = Set.copyOf(environments);
  }

  public boolean matches(RiskBand band, String actionClass, Environment environment) {
    return (bands.isEmpty() || bands.contains(band))
        && (actionClasses.isEmpty() || actionClasses.contains(actionClass))
        && (environments.isEmpty() || environments.contains(environment));
  }
}
