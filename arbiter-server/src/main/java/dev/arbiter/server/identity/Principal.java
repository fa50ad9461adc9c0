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
 * @param scopes each mapped role with its own level and domains (authority is checked per role)
 */
public record Principal(
    String subject, Optional<AuthorityLevel> level, Set<String> domains, List<String> roles, List<RoleScope> scopes) {

  /**
   * What one mapped role grants: a level (if the role maps to one) in its domains. Level and domains
   * are only ever used as a pair: two roles never combine into a level in a domain neither grants.
   */
  public record RoleScope(String role, Optional<AuthorityLevel> level, Set<String> domains) {
    public RoleScope {
      Objects.requireNonNull(role, "role");
      Objects.requireNonNull(level, "level");
      domains = Set.copyOf(domains);
    }

    public boolean covers(String domain) {
      return domains.contains(IdentityConfig.ALL_DOMAINS) || domains.contains(domain);
    }
  }

  /** A caller with no mapped roles (an agent, a gateway). */
  public static Principal withoutAuthority(String subject, List<String> roles) {
    return new Principal(subject, Optional.empty(), Set.of(), roles, List.of());
  }

  public Principal {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(level, "level");
    domains = Set.copyOf(domains);
    roles = List.copyOf(roles);
    scopes = List.copyOf(scopes);
    if (subject.isBlank()) {
      throw new IllegalArgumentException("subject must not be blank");
    }
  }

  /** True when the caller may act in {@code domain}, either named or through {@code *}. */
  public boolean coversDomain(String domain) {
    return domains.contains(IdentityConfig.ALL_DOMAINS) || domains.contains(domain);
  }

  /** The highest level the caller holds through roles that cover {@code domain}. */
  public Optional<AuthorityLevel> levelIn(String domain) {
    return scopes.stream().filter(s -> s.covers(domain)).map(RoleScope::level).flatMap(Optional::stream)
        .max(Enum::compareTo);
  }

  /** The caller's roles that cover {@code domain}. */
  public List<String> rolesIn(String domain) {
    return scopes.stream().filter(s -> s.covers(domain)).map(RoleScope::role).toList();
  }
}
