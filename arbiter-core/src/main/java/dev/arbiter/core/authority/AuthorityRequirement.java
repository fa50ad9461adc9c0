package dev.arbiter.core.authority;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Which approvals a decision needs, as routed by the authority map.
 *
 * <p>An approval counts if its actor holds any of {@code levels} or any of {@code roles}. {@code
 * minSignatures == 0} means no approval is required (the route auto-allows). With {@code distinct},
 * one actor counts once; the requester can never approve their own decision (DESIGN §3, enforced
 * by the approval code, not here).
 *
 * @param route the id of the authority route that produced this requirement
 * @param approvalTtl how long one approval stays valid
 * @param decisionTtl how long the decision may stay pending before it expires
 */
public record AuthorityRequirement(
    String route,
    Set<AuthorityLevel> levels,
    Set<String> roles,
    int minSignatures,
    boolean distinct,
    List<CoSign> coSign,
    Duration approvalTtl,
    Duration decisionTtl) {
  public AuthorityRequirement {
    levels = Set.copyOf(levels);
    roles = Set.copyOf(roles);
    coSign = List.copyOf(coSign);
    if (minSignatures < 0) {
      throw new IllegalArgumentException("min_signatures must be >= 0");
    }
    if (minSignatures > 0 && levels.isEmpty() && roles.isEmpty()) {
      throw new IllegalArgumentException("a requirement with signatures needs levels or roles");
    }
    int coSigners = coSign.stream().mapToInt(CoSign::count).sum();
    if (coSigners > minSignatures) {
      throw new IllegalArgumentException(
          "co_sign needs " + coSigners + " signatures but min_signatures is " + minSignatures);
    }
  }

  /** Whether any approval is required at all. */
  public boolean requiresApproval() {
    return minSignatures > 0;
  }

  /** The lowest accepted level, if any level is accepted. */
  public java.util.Optional<AuthorityLevel> minLevel() {
    return levels.stream().min(Enum::compareTo);
  }
}
