package dev.arbiter.gateway;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One tool behind the gateway: calls to {@code POST /tools/<name>} are forwarded to {@code upstream}
 * (an absolute http(s) URL; its path is what the gateway proof names), only for grants whose action
 * class is in {@code allowedClasses} and, when {@code environments} is not empty, whose environment
 * is one of them, waiting at most {@code timeout} for the answer.
 *
 * <p>Why environments: a request's {@code context.environment} is what the proposer states, and the
 * policy decides by it (a dev deploy is auto-allowed, a production one needs two approvers). Only
 * the gateway knows which environment a tool acts on; a route pinned to {@code production} refuses
 * a grant decided as {@code dev}, so stating the wrong environment buys nothing.
 */
public record ToolRoute(String name, URI upstream, Set<String> allowedClasses, Duration timeout, Set<String> environments) {
  public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");
  /** The environments a request can name (DESIGN §3). */
  public static final Set<String> ENVIRONMENTS = Set.of("dev", "staging", "production");

  /** A route that takes grants of any environment. */
  public ToolRoute(String name, URI upstream, Set<String> allowedClasses, Duration timeout) {
    this(name, upstream, allowedClasses, timeout, Set.of());
  }

  public ToolRoute {
    Objects.requireNonNull(environments, "environments");
    if (!ENVIRONMENTS.containsAll(environments)) {
      throw new IllegalArgumentException("tool `" + name + "`: environments must be among " + new java.util.TreeSet<>(ENVIRONMENTS)
          + ", got " + environments);
    }
    environments = Set.copyOf(environments);
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(upstream, "upstream");
    Objects.requireNonNull(allowedClasses, "allowedClasses");
    Objects.requireNonNull(timeout, "timeout");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("tool name must match " + NAME + ", got `" + name + "`");
    }
    String authority = upstream.getRawAuthority(); // not getRawUserInfo: null for an authority that is no host:port
    if (authority != null && authority.indexOf('@') >= 0) {
      // The gateway never sends them (it authenticates to a tool with its proof), so they could only
      // leak: the upstream is printed at start and appears in errors. The message does not repeat them.
      throw new IllegalArgumentException("tool `" + name + "`: upstream must not carry credentials (`user:password@`), got `"
          + withoutUserInfo(upstream.toString()) + "`; the gateway never sends them: a tool authenticates the gateway "
          + "by its Arbiter-Gateway-Proof");
    }
    String scheme = upstream.getScheme();
    if (!upstream.isAbsolute() || !("http".equals(scheme) || "https".equals(scheme)) || upstream.getHost() == null) {
      throw new IllegalArgumentException("tool `" + name + "`: upstream must be an absolute http(s) URL, got `"
          + withoutUserInfo(upstream.toString()) + "`");
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

  /**
   * {@code url} as an error may quote it: everything between its scheme and its last {@code @} as
   * {@code ***} ({@code http://***@host/x}), so that a password is never repeated, even one with a
   * {@code /} or {@code #} that makes the URL unparsable.
   */
  static String withoutUserInfo(String url) {
    return url.replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*:(?://)?)?(?s:.*)@", "$1***@");
  }

  /** The path the tool sees (and the gateway proof names): the upstream URL's path, {@code /} if empty. */
  public String upstreamPath() {
    String p = upstream.getRawPath();
    return p == null || p.isEmpty() ? "/" : p;
  }
}
