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
 * in {@link Principal#roles()} but grant nothing; the highest mapped level wins; domains are the
 * union over all roles.
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
    for (String role : roles) {
      AuthorityLevel mapped = config.roleLevels().get(role);
      if (mapped != null && (level.isEmpty() || mapped.compareTo(level.get()) > 0)) {
        level = Optional.of(mapped);
      }
      domains.addAll(config.roleDomains().getOrDefault(role, Set.of()));
    }
    return new Principal(subject, level, domains, roles);
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
