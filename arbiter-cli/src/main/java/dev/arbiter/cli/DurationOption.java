package dev.arbiter.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A duration option's value: a whole number and a unit, {@code ms}, {@code s}, {@code m} or {@code h} (90s, 30m, 4h). */
final class DurationOption {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

  private DurationOption() {}

  /** {@code value} as a duration; exit 2 naming {@code flag} when it is not one. */
  static Duration parse(String flag, String value) {
    Matcher m = DURATION.matcher(value == null ? "" : value.strip());
    if (!m.matches()) {
      throw CliFailure.badInput(flag + " `" + Text.safe(value) + "` is not a duration like 90s, 30m or 4h");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }
}
