package dev.arbiter.core.policy;

import dev.arbiter.core.authority.AuthorityMap;
import dev.arbiter.core.decision.Environment;
import dev.arbiter.core.decision.Spelling;
import dev.arbiter.core.policy.internal.Suggestions;
import dev.arbiter.core.policy.internal.YamlNode;
import dev.arbiter.core.policy.internal.YamlReader;
import dev.arbiter.core.policy.internal.YamlTree;
import dev.arbiter.core.risk.BandPolicy;
import dev.arbiter.core.risk.BandThresholds;
import dev.arbiter.core.risk.RiskFactor;
import dev.arbiter.core.risk.RiskModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns a {@link BundleSource} into a {@link PolicyBundle}: reads the YAML, validates the model,
 * compiles and type-checks every CEL condition, and collects every error as a {@link
 * PolicyDiagnostic} before failing (file format: docs/policy.md).
 */
final class BundleCompiler {
  static final Duration DEFAULT_APPROVAL_TTL = Duration.ofMinutes(15);
  static final Duration DEFAULT_DECISION_TTL = Duration.ofHours(1);

  /**
   * A bundle's version: a plain printable identifier. The engine never activates one version for two
   * contents, and it compares versions as strings, so {@code "t.1\u200b"} (a zero-width space) and
   * {@code "t.1 "} were new versions to it while a person read {@code t.1}; and the version is
   * printed, logged, served by /v1/ready and recorded in the ledger, so a newline in it let a bundle
   * author forge a log line. ASCII only, so that nothing in it can render as something else.
   */
  static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+:-]{0,63}");

  private final ConditionCompiler conditions = new ConditionCompiler();
  private final List<PolicyDiagnostic> diagnostics = new ArrayList<>();

  PolicyBundle compile(BundleSource source) throws BundleReadException, PolicyCompilationException {
    Map<String, YamlNode> roots = new LinkedHashMap<>();
    for (var e : source.files().entrySet()) {
      roots.put(e.getKey(), YamlTree.parse(e.getKey(), e.getValue()));
    }
    YamlReader bundleFile = new YamlReader("bundle.yaml", diagnostics);
    Optional<YamlNode.Mapping> bundle = bundleFile.mapping(roots.get("bundle.yaml"), "", "");
    String version = "";
    Map<String, ActionClassRule> classes = new LinkedHashMap<>();
    Duration approvalTtl = DEFAULT_APPROVAL_TTL;
    Duration decisionTtl = DEFAULT_DECISION_TTL;
    BandPolicy bands = BandPolicy.DEFAULT;
    if (bundle.isPresent()) {
      YamlNode.Mapping b = bundle.get();
      bundleFile.allowKeys(
          b, Set.of("version", "description", "classes", "ttls", "bands", "gates", "factors", "routes"), "");
      version = bundleFile.string(b, "version", true, "").filter(v -> plainVersion(bundleFile, b, v)).orElse("");
      classes = classes(bundleFile, b);
      YamlNode ttls = b.entries().get("ttls");
      if (ttls != null) {
        Optional<YamlNode.Mapping> t = bundleFile.mapping(ttls, "ttls", "");
        if (t.isPresent()) {
          bundleFile.allowKeys(t.get(), Set.of("approval", "decision"), "ttls");
          approvalTtl = bundleFile.duration(t.get(), "approval", "ttls").orElse(approvalTtl);
          decisionTtl = bundleFile.duration(t.get(), "decision", "ttls").orElse(decisionTtl);
        }
      }
      bands = bands(bundleFile, b.entries().get("bands"));
    }
    List<Gate> gates = gates(section(roots, bundle, bundleFile, "gates.yaml", "gates"));
    List<RiskFactor> factors = factors(section(roots, bundle, bundleFile, "risk.yaml", "factors"));
    AuthorityMap authority =
        AuthorityRoutesReader.read(
            section(roots, bundle, bundleFile, "authority.yaml", "routes"),
            classes.keySet(), approvalTtl, decisionTtl);
    if (!diagnostics.isEmpty()) {
      throw new PolicyCompilationException(diagnostics);
    }
    return new PolicyBundle(
        new PolicyRef(source.hash(), version),
        source,
        classes,
        gates,
        new RiskModel(factors, bands),
        authority,
        approvalTtl,
        decisionTtl);
  }

  private static boolean plainVersion(YamlReader r, YamlNode.Mapping b, String version) {
    if (VERSION.matcher(version).matches()) {
      return true;
    }
    String found = version.length() <= 64 ? Spelling.shown(version)
        : Spelling.shown(version.substring(0, 64)) + "… (" + version.length() + " characters)";
    r.error(b.entries().get("version"), "", "version", "`version` must be a plain identifier, found " + found,
        Optional.of("use at most 64 of the characters A-Z a-z 0-9 . _ + : -, starting with a letter or digit,"
            + " e.g. `2026.11.0`; no spaces, invisible or control characters"));
    return false;
  }

  /**
   * A section lives in its own file or inside bundle.yaml (a single-file bundle), never both.
   */
  private Optional<YamlSection> section(
      Map<String, YamlNode> roots, Optional<YamlNode.Mapping> bundle, YamlReader bundleFile, String file, String key) {
    YamlNode root = roots.get(file);
    boolean inBundle = bundle.map(b -> b.entries().containsKey(key)).orElse(false);
    if (root == null) {
      return inBundle ? Optional.of(new YamlSection(bundleFile, bundle.get())) : Optional.empty();
    }
    if (inBundle) {
      bundleFile.error(bundle.get(), "", key, "`" + key + "` is defined in both bundle.yaml and " + file,
          Optional.of("keep one: either the `" + key + "` key in bundle.yaml or the file " + file));
    }
    YamlReader r = new YamlReader(file, diagnostics);
    Optional<YamlNode.Mapping> m = r.mapping(root, "", "");
    if (m.isEmpty()) {
      return Optional.empty();
    }
    r.allowKeys(m.get(), Set.of(key), "");
    return Optional.of(new YamlSection(r, m.get()));
  }

  private Map<String, ActionClassRule> classes(YamlReader r, YamlNode.Mapping b) {
    Map<String, ActionClassRule> out = new LinkedHashMap<>();
    YamlNode node = b.entries().get("classes");
    if (node == null) {
      r.error(b, "", "classes", "missing required key `classes`", Optional.of("list the allowed action classes and their tools"));
      return out;
    }
    Optional<YamlNode.Mapping> m = r.mapping(node, "", "classes");
    if (m.isEmpty()) {
      return out;
    }
    for (var e : m.get().entries().entrySet()) {
      String subject = "class `" + e.getKey() + "`";
      Optional<YamlNode.Mapping> c = r.mapping(e.getValue(), subject, "");
      if (c.isEmpty()) {
        continue;
      }
      r.allowKeys(c.get(), Set.of("tools", "description"), subject);
      List<String> tools = r.strings(c.get(), "tools", subject);
      if (tools.isEmpty()) {
        r.error(c.get(), subject, "tools", "class `" + e.getKey() + "` lists no tools", Optional.of("list tool names, or `\"*\"` for any tool"));
      }
      boolean any = tools.contains("*");
      out.put(e.getKey(), new ActionClassRule(e.getKey(), new HashSet<>(tools), any));
    }
    return out;
  }

  private BandPolicy bands(YamlReader r, YamlNode node) {
    if (node == null) {
      return BandPolicy.DEFAULT;
    }
    Optional<YamlNode.Mapping> m = r.mapping(node, "bands", "");
    if (m.isEmpty()) {
      return BandPolicy.DEFAULT;
    }
    r.allowKeys(m.get(), Set.of("thresholds", "environments"), "bands");
    BandThresholds defaults =
        thresholds(r, m.get().entries().get("thresholds"), BandThresholds.DEFAULT, "bands.thresholds");
    Map<Environment, BandThresholds> perEnv = new EnumMap<>(Environment.class);
    YamlNode envs = m.get().entries().get("environments");
    if (envs != null) {
      Optional<YamlNode.Mapping> em = r.mapping(envs, "bands.environments", "");
      for (var e : em.map(YamlNode.Mapping::entries).orElse(Map.of()).entrySet()) {
        Optional<Environment> env = environment(r, e.getValue(), e.getKey(), "bands.environments");
        env.ifPresent(
            en -> perEnv.put(en, thresholds(r, e.getValue(), defaults, "bands.environments." + e.getKey())));
      }
    }
    return new BandPolicy(defaults, perEnv);
  }

  private BandThresholds thresholds(YamlReader r, YamlNode node, BandThresholds base, String subject) {
    if (node == null) {
      return base;
    }
    Optional<YamlNode.Mapping> m = r.mapping(node, subject, "");
    if (m.isEmpty()) {
      return base;
    }
    r.allowKeys(m.get(), Set.of("medium", "high", "critical"), subject);
    double medium = r.number(m.get(), "medium", false, subject).orElse(base.medium());
    double high = r.number(m.get(), "high", false, subject).orElse(base.high());
    double critical = r.number(m.get(), "critical", false, subject).orElse(base.critical());
    try {
      return new BandThresholds(medium, high, critical);
    } catch (IllegalArgumentException e) {
      r.error(node, subject, "", "band thresholds must satisfy 0 < medium < high < critical <= 1, found medium `" + medium + "`, high `" + high + "`, critical `" + critical + "`", Optional.empty());
      return base;
    }
  }

  static Optional<Environment> environment(YamlReader r, YamlNode at, String name, String subject) {
    Optional<Environment> env = Environment.fromWireName(name);
    if (env.isEmpty()) {
      r.error(at, subject, "", "unknown environment `" + name + "`",
          Optional.of(Suggestions.closest(name, List.of("dev", "staging", "production"))
              .map(s -> "did you mean `" + s + "`?").orElse("environments are `dev`, `staging`, `production`")));
    }
    return env;
  }

  private List<Gate> gates(Optional<YamlSection> section) {
    List<Gate> out = new ArrayList<>();
    if (section.isEmpty()) {
      return out;
    }
    YamlReader r = section.get().reader();
    Optional<YamlNode.Mapping> m = Optional.of(section.get().holder());
    Set<String> ids = new HashSet<>();
    for (YamlNode item : r.list(m.get(), "gates", "")) {
      Optional<YamlNode.Mapping> g = r.mapping(item, "gates", "");
      if (g.isEmpty()) {
        continue;
      }
      Optional<String> id = r.string(g.get(), "id", true, "gate");
      String subject = "gate `" + id.orElse("?") + "`";
      r.allowKeys(g.get(), Set.of("id", "when", "effect", "reason", "description"), subject);
      id.filter(i -> !ids.add(i)).ifPresent(i -> r.error(g.get(), subject, "id", "duplicate gate id `" + i + "`", Optional.empty()));
      Optional<GateEffect> effect = r.string(g.get(), "effect", true, subject).flatMap(e -> {
        Optional<GateEffect> ge = GateEffect.fromWireName(e);
        if (ge.isEmpty()) {
          r.error(g.get().entries().get("effect"), subject, "effect", "unknown effect `" + e + "`",
              Optional.of(Suggestions.closest(e, List.of("deny", "require_approval", "allow")).map(s -> "did you mean `" + s + "`?")
                  .orElse("effects are `deny`, `require_approval`, `allow`")));
        }
        return ge;
      });
      String reason = r.string(g.get(), "reason", true, subject).orElse("");
      Optional<Condition> when = condition(r, g.get(), subject, ConditionCompiler.Scope.GATE);
      if (id.isPresent() && effect.isPresent() && when.isPresent()) {
        out.add(new Gate(id.get(), when.get(), effect.get(), reason));
      }
    }
    return out;
  }

  private List<RiskFactor> factors(Optional<YamlSection> section) {
    List<RiskFactor> out = new ArrayList<>();
    if (section.isEmpty()) {
      return out;
    }
    YamlReader r = section.get().reader();
    Optional<YamlNode.Mapping> m = Optional.of(section.get().holder());
    Set<String> ids = new HashSet<>();
    for (YamlNode item : r.list(m.get(), "factors", "")) {
      Optional<YamlNode.Mapping> f = r.mapping(item, "factors", "");
      if (f.isEmpty()) {
        continue;
      }
      Optional<String> id = r.string(f.get(), "id", true, "risk factor");
      String subject = "risk factor `" + id.orElse("?") + "`";
      r.allowKeys(f.get(), Set.of("id", "when", "weight", "reason", "description"), subject);
      id.filter(i -> !ids.add(i)).ifPresent(i -> r.error(f.get(), subject, "id", "duplicate risk factor id `" + i + "`", Optional.empty()));
      Optional<Double> weight = r.number(f.get(), "weight", true, subject);
      if (weight.isPresent() && !(weight.get() >= 0 && weight.get() <= 1)) {
        r.error(f.get().entries().get("weight"), subject, "weight", "weight `" + weight.get() + "` is outside [0, 1]", Optional.of("the score is 1 - ∏(1 - weight) over matched factors; weights are probabilities"));
        weight = Optional.empty();
      }
      String reason = r.string(f.get(), "reason", true, subject).orElse("");
      Optional<Condition> when = condition(r, f.get(), subject, ConditionCompiler.Scope.RISK_FACTOR);
      if (id.isPresent() && weight.isPresent() && when.isPresent()) {
        out.add(new RiskFactor(id.get(), when.get(), weight.get(), reason));
      }
    }
    return out;
  }

  private Optional<Condition> condition(YamlReader r, YamlNode.Mapping owner, String subject, ConditionCompiler.Scope scope) {
    Optional<YamlNode.Scalar> s = r.scalar(owner, "when", true, subject);
    if (s.isEmpty()) {
      return Optional.empty();
    }
    String expr = s.get().text();
    ConditionCompiler.Result result = conditions.compile(expr, scope);
    for (ConditionCompiler.Issue issue : result.issues()) {
      YamlNode.Scalar at = s.get();
      int line;
      int column;
      if (at.block()) {
        line = at.line() + issue.line();
        column = at.column();
      } else {
        line = at.line() + issue.line() - 1;
        column = issue.line() == 1 ? at.column() + (at.quoted() ? 1 : 0) + issue.column() - 1 : at.column();
      }
      diagnostics.add(new PolicyDiagnostic(r.file(), line, column, subject, "when", issue.message(), issue.hint(),
          Optional.of(new ExpressionSpan(expr, issue.line(), issue.column(), issue.length()))));
    }
    return result.condition();
  }

}
