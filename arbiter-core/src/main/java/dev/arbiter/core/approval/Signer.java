package dev.arbiter.core.approval;

import dev.arbiter.core.authority.AuthorityLevel;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One accepted approval as quorum sees it: who signed, with which level and roles at the time they
 * signed (a later role change in the IdP never changes a recorded approval).
 */
public record Signer(String actor, Optional<AuthorityLevel> level, List<String> roles) {
  public Signer {
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(level, "level");
    roles = List.copyOf(roles);
  }
}
