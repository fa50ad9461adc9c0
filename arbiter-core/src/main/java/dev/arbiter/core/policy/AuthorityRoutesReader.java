package dev.arbiter.core.policy;

import dev.arbiter.core.authority.AuthorityLevel;
import dev.arbiter.core.authority.AuthorityMap;
import dev.arbiter.core.authority.AuthorityRequirement;
import dev.arbiter.core.authority.AuthorityRoute;
import dev.arbiter.core.authority.CoSign;
import dev.arbiter.core.decision.Environment;
import dev.arbiter.core.policy.internal.Suggestions;
import dev.arbiter.core.policy.internal.YamlNode;
import dev.arbiter.core.policy.internal.YamlReader;
import dev.arbiter.core.risk.RiskBand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reads the {@code routes} section (authority.yaml) into an {@link AuthorityMap}, diagnosing as it goes. */
final class AuthorityRoutesReader {
  private AuthorityRoutesReader() {}

  static AuthorityMap read(Optional<YamlSection> section, Set<String> classes, Duration approvalTtl, Duration decisionTtl) {
    List<AuthorityRoute> out = new ArrayList<>();
    if (section.isEmpty()) {
      return new AuthorityMap(out);
    }
    YamlReader r = section.get().reader();
    Optional<YamlNode.Mapping> m = Optional.of(section.get().holder());
    Set<String> ids = new HashSet<>();
    for (YamlNode item : r.list(m.get(), "routes", "")) {
      Optional<YamlNode.Mapping> rt = r.mapping(item, "routes", "");
      if (rt.isEmpty()) {
        continue;
      }
      Optional<String> id = r.string(rt.get(), "id", true, "route");
      String subject = "route `" + id.orElse("?") + "`";
      r.allowKeys(rt.get(), Set.of("id", "match", "require", "description"), subject);
      id.filter(i -> !ids.add(i)).ifPresent(i -> r.error(rt.get(), subject, "id", "duplicate route id `" + i + "`", Optional.empty()));
      Set<RiskBand> bands = EnumSet.noneOf(RiskBand.class);
      Set<String> routeClasses = new HashSet<>();
      Set<Environment> envs = EnumSet.noneOf(Environment.class);
      YamlNode match = rt.get().entries().get("match");
      if (match != null) {
        Optional<YamlNode.Mapping> mm = r.mapping(match, subject, "match");
        if (mm.isPresent()) {
          r.allowKeys(mm.get(), Set.of("bands", "classes", "environments"), subject);
          for (String b : r.strings(mm.get(), "bands", subject)) {
            RiskBand.fromWireName(b).ifPresentOrElse(bands::add, () -> r.error(mm.get().entries().get("bands"), subject, "bands", "unknown band `" + b + "`",
                Optional.of(Suggestions.closest(b, List.of("low", "medium", "high", "critical")).map(s -> "did you mean `" + s + "`?").orElse("bands are `low`, `medium`, `high`, `critical`"))));
          }
          for (String c : r.strings(mm.get(), "classes", subject)) {
            if (!classes.contains(c)) {
              r.error(mm.get().entries().get("classes"), subject, "classes", "unknown action class `" + c + "`",
                  Optional.of(Suggestions.closest(c, classes).map(s -> "did you mean `" + s + "`?").orElse("declare it under `classes` in bundle.yaml")));
            }
            routeClasses.add(c);
          }
          for (String e : r.strings(mm.get(), "environments", subject)) {
            BundleCompiler.environment(r, mm.get().entries().get("environments"), e, subject).ifPresent(envs::add);
          }
        }
      }
      Optional<AuthorityRequirement> req = requirement(r, rt.get(), id.orElse("?"), subject, approvalTtl, decisionTtl);
      if (id.isPresent() && req.isPresent()) {
        out.add(new AuthorityRoute(id.get(), bands, routeClasses, envs, req.get()));
      }
    }
    return new AuthorityMap(out);
  }

  private static Optional<AuthorityRequirement> requirement(YamlReader r, YamlNode.Mapping route, String id, String subject, Duration approvalTtl, Duration decisionTtl) {
    YamlNode node = route.entries().get("require");
    if (node == null) {
      r.error(route, subject, "require", "missing required key `require`", Optional.of("write `require: {min_signatures: 0}` for a route that needs no approval"));
      return Optional.empty();
    }
    Optional<YamlNode.Mapping> m = r.mapping(node, subject, "require");
    if (m.isEmpty()) {
      return Optional.empty();
    }
    YamlNode.Mapping q = m.get();
    r.allowKeys(q, Set.of("levels", "min_level", "roles", "min_signatures", "distinct", "co_sign", "approval_ttl", "decision_ttl"), subject);
    Set<AuthorityLevel> levels = EnumSet.noneOf(AuthorityLevel.class);
    List<String> levelNames = new ArrayList<>(r.strings(q, "levels", subject));
    for (String l : levelNames) {
      level(r, q.entries().get("levels"), l, subject).ifPresent(levels::add);
    }
    Optional<String> minLevelName = r.string(q, "min_level", false, subject);
    minLevelName.flatMap(l -> level(r, q.entries().get("min_level"), l, subject))
        .ifPresent(min -> levels.addAll(EnumSet.range(min, AuthorityLevel.L5)));
    minLevelName.ifPresent(levelNames::add);
    // Judge co-signers only against levels that all parsed: an unknown level or none at all is
    // reported already, and a co_sign error on top would point at the wrong line.
    boolean levelsKnown = !levels.isEmpty() && levelNames.stream().allMatch(l -> AuthorityLevel.fromName(l).isPresent());
    Set<String> roles = new HashSet<>(r.strings(q, "roles", subject));
    int min = r.integer(q, "min_signatures", true, subject).orElse(-1);
    boolean distinct = r.bool(q, "distinct", subject).orElse(true);
    List<CoSign> coSign = new ArrayList<>();
    for (YamlNode cs : r.list(q, "co_sign", subject)) {
      Optional<YamlNode.Mapping> cm = r.mapping(cs, subject, "co_sign");
      if (cm.isEmpty()) {
        continue;
      }
      r.allowKeys(cm.get(), Set.of("level", "count"), subject);
      Optional<AuthorityLevel> lvl = r.string(cm.get(), "level", true, subject).flatMap(l -> level(r, cm.get(), l, subject));
      int count = r.integer(cm.get(), "count", false, subject).orElse(1);
      lvl.ifPresent(l -> coSign.add(new CoSign(l, Math.max(1, count))));
      lvl.filter(l -> levelsKnown && roles.isEmpty() && levels.stream().noneMatch(a -> a.compareTo(l) >= 0))
          .ifPresent(l -> r.error(cm.get(), subject, "co_sign", "co_sign at " + l + " can never be met: a co-signer must"
              + " also be an accepted approver, and no accepted level is " + l + " or above (levels: " + sorted(levels) + ")",
              Optional.of("accept " + l + " in `levels`, or use `min_level` (that level and above)")));
    }
    Duration aTtl = r.duration(q, "approval_ttl", subject).orElse(approvalTtl);
    Duration dTtl = r.duration(q, "decision_ttl", subject).orElse(decisionTtl);
    if (min < 0) {
      if (q.entries().containsKey("min_signatures")) {
        r.error(q, subject, "min_signatures", "`min_signatures` must be >= 0", Optional.empty());
      }
      return Optional.empty();
    }
    try {
      return Optional.of(new AuthorityRequirement(id, levels, roles, min, distinct, coSign, aTtl, dTtl));
    } catch (IllegalArgumentException e) {
      r.error(q, subject, "require", e.getMessage(), Optional.of(min > 0 ? "name who may approve with `min_level`, `levels` or `roles`" : "co-signers count toward `min_signatures`"));
      return Optional.empty();
    }
  }

  private static List<AuthorityLevel> sorted(Set<AuthorityLevel> levels) {
    return levels.stream().sorted().toList();
  }

  private static Optional<AuthorityLevel> level(YamlReader r, YamlNode at, String name, String subject) {
    Optional<AuthorityLevel> l = AuthorityLevel.fromName(name);
    if (l.isEmpty()) {
      r.error(at, subject, "", "unknown authority level `" + name + "`", Optional.of("levels are `L1` to `L5`"));
    }
    return l;
  }
}
