package dev.arbiter.gateway;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One tool behind the gateway: calls to {@code POST /tools/<name>} are forwarded to {@code upstream}
 * (an absolute http(s) URL; its path is what the gateway proof names), only for grants whose action
 * class is in {@code allowedClasses}, waiting at most {@code timeout} for the answer.
 */
public record ToolRoute(String name, URI upstream, Set<String> allowedClasses, Duration timeout) {
  public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");

  public ToolRoute {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(upstream, "upstream");
    Objects.requireNonNull(allowedClasses, "allowedClasses");
    Objects.requireNonNull(timeout, "timeout");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("tool name must match " + NAME + ", got `" + name + "`");
    }
    String scheme = upstream.getScheme();
    if (!upstream.isAbsolute() || !("http".equals(scheme) || "https".equals(scheme)) || upstream.getHost() == null) {
      throw new IllegalArgumentException("tool `" + name + "`: upstream must be an absolute http(s) URL, got `" + upstream + "`");
    }
    if (upstream.getRawQuery() != null || upstream.getRawFragment() != null) {
      throw new IllegalArgumentException("tool `" + name + "`: upstream must not have a query or fragment");
    }
    if (allowedClasses.isEmpty()) {
      throw new IllegalArgumentException("tool `" + name + "`: allowed_classes must name at least one action class");
    }
    allowedClasses = Set.copyOf(allowedClasses);
    if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException("tool `" + name + "`: timeout must be between 1 ms and 10 min, got " + timeout);
    }
  }

  /** The path the tool sees (and the gateway proof names): the upstream URL's path, {@code /} if empty. */
  public String upstreamPath() {
    String p = upstream.getRawPath();
    return p == null || p.isEmpty() ? "/" : p;
  }
}
