package dev.arbiter.core.decision;

import java.util.Objects;
import java.util.Optional;

/**
 * Who proposes the action and where. Normalised: absent optional fields take the documented
 * defaults (docs/policy.md, "Request variables"), except the actor, which stays absent so that the
 * evaluator can deny.
 *
 * @param actorId the proposing actor; empty means missing, which is always denied
 * @param blastRadius estimated number of affected resources or people (default 1)
 * @param reversible whether the action can be undone (default {@code false}: unknown is treated as
 *     irreversible)
 */
public record RequestContext(
    Optional<String> actorId,
    Environment environment,
    String requestSource,
    String scope,
    long blastRadius,
    boolean reversible) {
  public RequestContext {
    Objects.requireNonNull(actorId, "actorId");
    Objects.requireNonNull(environment, "environment");
    Objects.requireNonNull(requestSource, "requestSource");
    Objects.requireNonNull(scope, "scope");
  }
}
