package dev.arbiter.core.approval;

import dev.arbiter.core.authority.AuthorityLevel;
import dev.arbiter.core.authority.AuthorityRequirement;
import dev.arbiter.core.authority.CoSign;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether a set of accepted approvals meets an {@link AuthorityRequirement}. Pure and deterministic.
 *
 * <ul>
 *   <li>an approval counts only if its signer holds one of the accepted levels or roles;
 *   <li>one actor counts once, always (DESIGN §3), whatever {@code distinct} says;
 *   <li>each co-sign clause needs its own distinct actors at or above its level; clauses are filled
 *       from the highest level down, and a signer fills at most one clause.
 * </ul>
 */
public final class Quorum {
  private Quorum() {}

  /** The result: met, or what is still missing (human-readable, for the API and the ledger). */
  public record Result(boolean met, int counted, List<String> missing) {
    public Result {
      missing = List.copyOf(missing);
    }
  }

  /** Whether {@code signer} may sign under {@code requirement} at all. */
  public static boolean qualifies(AuthorityRequirement requirement, Signer signer) {
    boolean byLevel = signer.level().filter(requirement.levels()::contains).isPresent();
    boolean byRole = signer.roles().stream().anyMatch(requirement.roles()::contains);
    return byLevel || byRole;
  }

  public static Result evaluate(AuthorityRequirement requirement, List<Signer> approvals) {
    Map<String, Signer> distinct = new LinkedHashMap<>();
    for (Signer s : approvals) {
      if (qualifies(requirement, s)) {
        distinct.merge(s.actor(), s, (a, b) -> higher(a, b));
      }
    }
    List<String> missing = new ArrayList<>();
    int counted = distinct.size();
    if (counted < requirement.minSignatures()) {
      missing.add((requirement.minSignatures() - counted) + " more approval(s) from distinct approvers");
    }
    List<CoSign> clauses = new ArrayList<>(requirement.coSign());
    clauses.sort(Comparator.comparing(CoSign::level).reversed());
    Set<String> used = new HashSet<>();
    for (CoSign c : clauses) {
      int filled = 0;
      for (Signer s : distinct.values()) {
        if (filled < c.count() && !used.contains(s.actor()) && s.level().filter(l -> l.compareTo(c.level()) >= 0).isPresent()) {
          used.add(s.actor());
          filled++;
        }
      }
      if (filled < c.count()) {
        missing.add((c.count() - filled) + " co-signature(s) at " + c.level() + " (" + c.level().title() + ") or above");
      }
    }
    return new Result(missing.isEmpty(), counted, missing);
  }

  private static Signer higher(Signer a, Signer b) {
    AuthorityLevel la = a.level().orElse(null);
    AuthorityLevel lb = b.level().orElse(null);
    if (la == null) {
      return b;
    }
    return lb != null && lb.compareTo(la) > 0 ? b : a;
  }
}
