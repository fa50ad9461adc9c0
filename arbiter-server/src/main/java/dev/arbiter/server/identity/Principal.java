package dev.arbiter.server.identity;

import dev.arbiter.core.authority.AuthorityLevel;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An authenticated caller, built by {@link TokenVerifier} from a verified access token.
 *
 * @param subject the token's {@code sub}, as issued by the trusted IdP
 * @param level the highest authority level mapped from {@code roles}; empty for a proposer or
 *     agent that holds no approver role
 * @param domains the domains the caller may act in ({@code *} means all); the caller must still
 *     match these against the decision's domain
 * @param roles the raw roles/groups from the configured claim, in token order
 */
public record Principal(
    String subject, Optional<AuthorityLevel> level, Set<String> domains, List<String> roles) {

  public Principal {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(level, "level");
    domains = Set.copyOf(domains);
    roles = List.copyOf(roles);
    if (subject.isBlank()) {
      throw new IllegalArgumentException("subject must not be blank");
    }
  }

  /** True when the caller may act in {@code domain}, either named or through {@code *}. */
  public boolean coversDomain(String domain) {
    return domains.contains(IdentityConfig.ALL_DOMAINS) || domains.contains(domain);
  }
}
