package dev.arbiter.http;

import java.util.Locale;

/**
 * Loopback names and addresses, for listeners and for the Host check: a listener on loopback answers
 * only requests addressed to loopback, so that a web page that rebinds its own domain name to
 * 127.0.0.1 (DNS rebinding) gets nothing.
 */
public final class Loopback {
  private Loopback() {}

  /** A listen address on loopback. */
  public static boolean isLoopback(String host) {
    return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1") || host.equals("[::1]");
  }

  /** The Host header's name (port stripped) is a loopback name or address. */
  public static boolean isLoopbackHostHeader(String hostHeader) {
    if (hostHeader == null || hostHeader.isBlank()) {
      return false;
    }
    String h = hostHeader.trim().toLowerCase(Locale.ROOT);
    String name = h.startsWith("[") ? h.substring(0, h.indexOf(']') + 1) : h.contains(":") ? h.substring(0, h.indexOf(':')) : h;
    return name.equals("127.0.0.1") || name.equals("localhost") || name.equals("[::1]");
  }
}
