package dev.arbiter.core.decision;

import java.util.Objects;

/**
 * A proposer's request, normalised into the one schema of DESIGN §3. Build one with {@link
 * DecisionRequests#parse(byte[])}; the record itself holds only already-validated values.
 */
public record DecisionRequest(Action action, RequestContext context) {
  public DecisionRequest {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(context, "context");
  }
}
