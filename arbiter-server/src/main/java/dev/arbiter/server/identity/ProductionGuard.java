package dev.arbiter.server.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Decides whether a production configuration is present, for components that must never run in
 * production ({@link DevIssuer}). Present when any of:
 *
 * <ul>
 *   <li>the environment variable {@value #ENV_VAR} is {@code production} (case-insensitive, trimmed);
 *   <li>the directory holds {@value #MARKER} (any content, even empty; a symlink counts too);
 *   <li>the directory holds {@value #CONFIG} with a line {@code environment: production} (at any
 *       indentation, the value optionally quoted, an optional {@code #} comment after it). A line
 *       match, not a YAML parse: it errs towards refusing.
 * </ul>
 *
 * An {@value #CONFIG} that exists but cannot be read counts as production (fail closed).
 */
final class ProductionGuard {
  static final String ENV_VAR = "ARBITER_ENV";
  static final String MARKER = "production.marker";
  static final String CONFIG = "arbiter.yaml";
  private static final Pattern PRODUCTION_LINE = Pattern.compile(
      "^\\s*environment\\s*:\\s*([\"']?)production\\1\\s*(#.*)?$", Pattern.CASE_INSENSITIVE);

  private ProductionGuard() {}

  static void refuseIfProduction(Path dir, Map<String, String> env) throws DevIssuerRefusedException {
    String value = env.get(ENV_VAR);
    if (value != null && value.strip().toLowerCase(Locale.ROOT).equals("production")) {
      throw refused(ENV_VAR + "=" + value.strip() + " is set");
    }
    Path marker = dir.resolve(MARKER);
    if (Files.exists(marker, LinkOption.NOFOLLOW_LINKS)) {
      throw refused(marker + " exists");
    }
    Path config = dir.resolve(CONFIG);
    if (Files.exists(config, LinkOption.NOFOLLOW_LINKS)) {
      String text;
      try {
        text = Files.readString(config, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw refused(config + " exists but cannot be read (" + e.getClass().getSimpleName()
            + "), so production cannot be ruled out");
      }
      for (String line : text.split("\\R")) {
        if (PRODUCTION_LINE.matcher(line).matches()) {
          throw refused(config + " says `environment: production`");
        }
      }
    }
  }

  private static DevIssuerRefusedException refused(String why) {
    return new DevIssuerRefusedException("refusing to start the " + DevIssuer.NOTICE + ": " + why
        + ". Configure a real OIDC issuer for production.");
  }
}
