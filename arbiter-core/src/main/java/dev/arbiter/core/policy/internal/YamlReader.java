package dev.arbiter.core.policy.internal;

import dev.arbiter.core.policy.PolicyDiagnostic;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed, diagnosing access to one bundle file's {@link YamlNode}s. Every problem becomes a {@link
 * PolicyDiagnostic} in the shared list; accessors return empty instead of throwing so that one run
 * reports every error.
 */
public final class YamlReader {
  /** The longest duration a bundle may set (TTLs): 365 days. */
  public static final Duration MAX_DURATION = Duration.ofDays(365);

  private static final Pattern SHORT_DURATION = Pattern.compile("^(\\d+)([smhd])$");

  private final String file;
  private final List<PolicyDiagnostic> diagnostics;

  public YamlReader(String file, List<PolicyDiagnostic> diagnostics) {
    this.file = file;
    this.diagnostics = diagnostics;
  }

  public String file() {
    return file;
  }

  public void error(YamlNode at, String subject, String field, String message, Optional<String> hint) {
    diagnostics.add(
        new PolicyDiagnostic(file, at.line(), at.column(), subject, field, message, hint, Optional.empty()));
  }

  public Optional<YamlNode.Mapping> mapping(YamlNode n, String subject, String field) {
    if (n instanceof YamlNode.Mapping m) {
      return Optional.of(m);
    }
    error(n, subject, field, "expected a mapping, found " + n.kind(), Optional.empty());
    return Optional.empty();
  }

  /** Reports keys outside {@code allowed}, with a did-you-mean hint. */
  public void allowKeys(YamlNode.Mapping m, Set<String> allowed, String subject) {
    m.entries()
        .forEach(
            (key, value) -> {
              if (!allowed.contains(key)) {
                int[] pos = m.keyPositions().get(key);
                Optional<String> hint =
                    Suggestions.closest(key, allowed)
                        .map(s -> "did you mean `" + s + "`?")
                        .or(() -> Optional.of("allowed keys: " + String.join(", ", allowed.stream().sorted().map(k -> "`" + k + "`").toList())));
                diagnostics.add(
                    new PolicyDiagnostic(
                        file, pos[0], pos[1], subject, key, "unknown key `" + key + "`", hint, Optional.empty()));
              }
            });
  }

  public Optional<YamlNode.Scalar> scalar(YamlNode.Mapping m, String key, boolean required, String subject) {
    YamlNode n = m.entries().get(key);
    if (n == null || (n instanceof YamlNode.Scalar s && s.type().equals("null"))) {
      if (required) {
        error(m, subject, key, "missing required key `" + key + "`", Optional.empty());
      }
      return Optional.empty();
    }
    if (n instanceof YamlNode.Scalar s) {
      return Optional.of(s);
    }
    error(n, subject, key, "`" + key + "` must be a scalar, found " + n.kind(), Optional.empty());
    return Optional.empty();
  }

  public Optional<String> string(YamlNode.Mapping m, String key, boolean required, String subject) {
    Optional<YamlNode.Scalar> s = scalar(m, key, required, subject);
    if (s.isPresent() && s.get().text().isBlank()) {
      error(s.get(), subject, key, "`" + key + "` must not be empty", Optional.empty());
      return Optional.empty();
    }
    return s.map(YamlNode.Scalar::text);
  }

  public Optional<Double> number(YamlNode.Mapping m, String key, boolean required, String subject) {
    Optional<YamlNode.Scalar> s = scalar(m, key, required, subject);
    if (s.isEmpty()) {
      return Optional.empty();
    }
    if (!s.get().type().equals("int") && !s.get().type().equals("float")) {
      error(s.get(), subject, key, "`" + key + "` must be a number, found `" + s.get().text() + "`", Optional.empty());
      return Optional.empty();
    }
    // YAML also spells numbers `.nan`, `-.inf`, `0x1` and `1_0`; only plain finite decimals are
    // accepted, so a weight or threshold is exactly what it looks like.
    double d;
    try {
      d = new BigDecimal(s.get().text()).doubleValue();
    } catch (NumberFormatException e) {
      d = Double.NaN;
    }
    if (!Double.isFinite(d)) {
      error(s.get(), subject, key, "`" + key + "` must be a finite decimal number, found `" + s.get().text() + "`",
          Optional.of("write e.g. `0.25`; `.nan`, `.inf`, hexadecimal and `_` separators are not accepted"));
      return Optional.empty();
    }
    return Optional.of(d);
  }

  public Optional<Integer> integer(YamlNode.Mapping m, String key, boolean required, String subject) {
    Optional<YamlNode.Scalar> s = scalar(m, key, required, subject);
    if (s.isEmpty()) {
      return Optional.empty();
    }
    try {
      if (s.get().type().equals("int")) {
        return Optional.of(Integer.parseInt(s.get().text()));
      }
    } catch (NumberFormatException e) {
      // fall through to the diagnostic
    }
    error(s.get(), subject, key, "`" + key + "` must be an integer, found `" + s.get().text() + "`", Optional.empty());
    return Optional.empty();
  }

  public Optional<Boolean> bool(YamlNode.Mapping m, String key, String subject) {
    Optional<YamlNode.Scalar> s = scalar(m, key, false, subject);
    if (s.isEmpty()) {
      return Optional.empty();
    }
    if (!s.get().type().equals("bool")) {
      error(s.get(), subject, key, "`" + key + "` must be `true` or `false`, found `" + s.get().text() + "`", Optional.empty());
      return Optional.empty();
    }
    return Optional.of(Boolean.parseBoolean(s.get().text()));
  }

  /** A list under {@code key}; empty when absent. */
  public List<YamlNode> list(YamlNode.Mapping m, String key, String subject) {
    YamlNode n = m.entries().get(key);
    if (n == null || (n instanceof YamlNode.Scalar s && s.type().equals("null"))) {
      return List.of();
    }
    if (n instanceof YamlNode.Sequence seq) {
      return seq.items();
    }
    error(n, subject, key, "`" + key + "` must be a list, found " + n.kind(), Optional.empty());
    return List.of();
  }

  /** A list of strings under {@code key}; empty when absent. */
  public List<String> strings(YamlNode.Mapping m, String key, String subject) {
    List<String> out = new ArrayList<>();
    for (YamlNode item : list(m, key, subject)) {
      if (item instanceof YamlNode.Scalar s && !s.type().equals("null") && !s.text().isBlank()) {
        out.add(s.text());
      } else {
        error(item, subject, key, "`" + key + "` entries must be non-empty strings", Optional.empty());
      }
    }
    return out;
  }

  /**
   * A duration written {@code 90s}, {@code 15m}, {@code 4h}, {@code 1d} or ISO-8601 ({@code PT15M}),
   * positive and at most {@link #MAX_DURATION}. Bundle durations are TTLs added to the clock; the cap
   * keeps every expiry representable (an unbounded one overflowed {@code Instant.plus} only when an
   * approval arrived, long after {@code policy check} had passed it).
   */
  public Optional<Duration> duration(YamlNode.Mapping m, String key, String subject) {
    Optional<YamlNode.Scalar> s = scalar(m, key, false, subject);
    if (s.isEmpty()) {
      return Optional.empty();
    }
    String text = s.get().text().trim();
    Matcher mm = SHORT_DURATION.matcher(text);
    Duration d = null;
    boolean overflow = false;
    try {
      if (mm.matches()) {
        long n = Long.parseLong(mm.group(1));
        d =
            switch (mm.group(2)) {
              case "s" -> Duration.ofSeconds(n);
              case "m" -> Duration.ofMinutes(n);
              case "h" -> Duration.ofHours(n);
              default -> Duration.ofDays(n);
            };
      } else {
        d = Duration.parse(text);
      }
    } catch (NumberFormatException | ArithmeticException e) {
      overflow = true; // digits only, so too many of them
    } catch (DateTimeParseException e) {
      d = null;
    }
    if (overflow || (d != null && d.compareTo(MAX_DURATION) > 0)) {
      error(s.get(), subject, key, "`" + text + "` is longer than the maximum of 365 days",
          Optional.of("a TTL is at most `365d`"));
      return Optional.empty();
    }
    if (d == null || d.isNegative() || d.isZero()) {
      error(
          s.get(),
          subject,
          key,
          "`" + text + "` is not a positive duration",
          Optional.of("write e.g. `90s`, `15m`, `4h`, `1d` or `PT15M`"));
      return Optional.empty();
    }
    return Optional.of(d);
  }
}
