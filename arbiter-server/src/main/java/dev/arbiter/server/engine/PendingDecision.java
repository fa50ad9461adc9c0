package dev.arbiter.server.engine;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the engine keeps in memory about a pending decision: when it expires, and what a listing
 * needs to tell who may read it (its action class, whose domain decides, and its proposer) without
 * loading the decision itself.
 */
record PendingDecision(Instant expiresAt, String actionClass, Optional<String> proposer) {
  PendingDecision {
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(actionClass, "actionClass");
    Objects.requireNonNull(proposer, "proposer");
  }

  static PendingDecision of(DecisionState d, Instant expiresAt) {
    return new PendingDecision(expiresAt, d.actionClass(), d.proposer());
  }
}
