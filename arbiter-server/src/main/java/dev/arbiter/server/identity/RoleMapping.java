package dev.arbiter.server.identity;

import dev.arbiter.core.authority.AuthorityLevel;
import dev.arbiter.server.identity.TokenRejectedException.Reason;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Maps the verified roles/groups claim to an authority level and domains. Unmapped roles are kept
 * in {@link Principal#roles()} but grant nothing. {@link Principal#level()} and {@link
 * Principal#domains()} summarise (highest level, union of domains); approvals use {@link
 * Principal#scopes()}, where each role's level only counts in that role's domains.
 */
final class RoleMapping {

  private final IdentityConfig config;

  RoleMapping(IdentityConfig config) {
    this.config = config;
  }

  /**
   * @param claimValue the value of the configured roles claim of an already verified token: absent
   *     (null), a string, or an array of strings
   */
  Principal principal(String subject, Object claimValue) throws TokenRejectedException {
    List<String> roles = roles(claimValue);
    Optional<AuthorityLevel> level = Optional.empty();
    Set<String> domains = new LinkedHashSet<>();
    List<Principal.RoleScope> scopes = new ArrayList<>();
    for (String role : roles) {
      AuthorityLevel mapped = config.roleLevels().get(role);
      if (mapped != null && (level.isEmpty() || mapped.compareTo(level.get()) > 0)) {
        level = Optional.of(mapped);
      }
      Set<String> roleDomains = config.roleDomains().getOrDefault(role, Set.of());
      domains.addAll(roleDomains);
      scopes.add(new Principal.RoleScope(role, Optional.ofNullable(mapped), roleDomains));
    }
    return new Principal(subject, level, domains, roles, scopes);
  }

  private List<String> roles(Object claimValue) throws TokenRejectedException {
    if (claimValue == null) {
      return List.of();
    }
    if (claimValue instanceof String s) {
      return List.of(s);
    }
    if (claimValue instanceof List<?> list) {
      List<String> roles = new ArrayList<>(list.size());
      for (Object o : list) {
        if (!(o instanceof String s)) {
          throw malformed();
        }
        roles.add(s);
      }
      return roles;
    }
    throw malformed();
  }

  private TokenRejectedException malformed() {
    return new TokenRejectedException(
        Reason.MALFORMED,
        "claim `" + config.rolesClaim() + "` must be a string or an array of strings");
  }
}
