package dev.arbiter.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * {@code --engine URL} and the bearer token, shared by every command that calls the engine. The
 * token comes from exactly one of: {@code --token-file FILE} (preferred: not visible in {@code ps}),
 * {@code --token T}, or the environment variable {@value #TOKEN_ENV}. It is never printed.
 */
public final class EngineOptions {
  static final String TOKEN_ENV = "ARBITER_TOKEN";
  /** RFC 6750 b64token: also keeps CR/LF and spaces out of the Authorization header. */
  private static final Pattern B64TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");
  private static final int MAX_TOKEN_CHARS = 16 * 1024;

  @Option(names = "--engine", required = true, paramLabel = "URL",
      description = "Engine base URL, e.g. http://127.0.0.1:8080 (plain http only to loopback).")
  String engine;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "File holding the OIDC access token (preferred: not visible in `ps`).")
  Path tokenFile;

  @Option(names = "--token", paramLabel = "TOKEN",
      description = "The OIDC access token itself (visible to other local users in `ps`; prefer --token-file or "
          + TOKEN_ENV + ").")
  String token;

  /** The client for these options; {@code env} is the process environment. */
  EngineClient client(java.util.Map<String, String> env) {
    return new EngineClient(engineUri(engine), resolveToken(env));
  }

  /**
   * Parses {@code --engine}: an absolute http(s) URL without credentials, query or fragment; plain
   * http only to loopback, since a bearer token goes with every call.
   */
  static URI engineUri(String engine) {
    return loopbackOrHttps("--engine", engine, "a bearer token");
  }

  /**
   * Parses the URL given as {@code flag}: absolute http(s), without credentials, query or fragment;
   * plain http only to loopback, since {@code secret} goes with every call.
   */
  static URI loopbackOrHttps(String flag, String value, String secret) {
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      throw CliFailure.badInput(flag + " `" + Text.safe(value) + "` is not a URL");
    }
    String scheme = uri.getScheme();
    if (!uri.isAbsolute() || uri.getHost() == null || !("http".equals(scheme) || "https".equals(scheme))
        || uri.getQuery() != null || uri.getFragment() != null || uri.getUserInfo() != null) {
      throw CliFailure.badInput(flag + " `" + Text.safe(value)
          + "` must be an absolute http(s) URL without credentials, query or fragment");
    }
    if (uri.getPort() > 65535) {
      throw CliFailure.badInput(flag + " `" + Text.safe(value) + "`: port " + uri.getPort() + " is out of range");
    }
    if ("http".equals(scheme) && !isLoopback(uri.getHost())) {
      throw CliFailure.badInput(flag + " " + uri + ": refusing to send " + secret + " over plain http to a"
          + " host other than loopback; use https");
    }
    return uri;
  }

  private static final java.util.regex.Pattern IP_LITERAL = java.util.regex.Pattern.compile(
      "(?:(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])|[0-9a-fA-F]*:[0-9a-fA-F:.]*");

  /**
   * Whether {@code h} is an IPv4 dotted quad or has the shape of an IPv6 address, the only hosts
   * {@link #isLoopback} hands to {@link InetAddress#getByName}, which parses those without a lookup.
   * Names other than localhost are never resolved: a name that resolves to loopback now may resolve
   * elsewhere when the client connects (DNS rebinding). A name of hex letters only ({@code cafe},
   * {@code beef}) is a name: an IPv6 address has a colon.
   */
  static boolean isIpLiteral(String h) {
    return IP_LITERAL.matcher(h).matches();
  }

  static boolean isLoopback(String host) {
    String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (h.equalsIgnoreCase("localhost")) {
      return true;
    }
    if (!isIpLiteral(h)) {
      return false;
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (IOException e) {
      return false;
    }
  }

  private String resolveToken(java.util.Map<String, String> env) {
    return resolveToken(tokenFile, token, env);
  }

  /** The token from exactly one of {@code tokenFile}, {@code token} or {@value #TOKEN_ENV}; never shown in a message. */
  static String resolveToken(Path tokenFile, String token, java.util.Map<String, String> env) {
    if (token != null && tokenFile != null) {
      throw CliFailure.badInput("give either --token or --token-file, not both");
    }
    String t;
    String source;
    if (tokenFile != null) {
      source = "--token-file " + tokenFile;
      try {
        t = dev.arbiter.core.io.BoundedFiles.readString(tokenFile, MAX_TOKEN_CHARS + 2, StandardCharsets.US_ASCII).strip();
      } catch (dev.arbiter.core.io.BoundedFiles.TooLargeException e) {
        throw CliFailure.badInput(source + " is larger than " + MAX_TOKEN_CHARS + " bytes; not a token");
      } catch (java.nio.charset.CharacterCodingException e) {
        throw CliFailure.badInput(source + " is not an ASCII token");
      } catch (IOException e) {
        throw CliFailure.badInput("cannot read " + source + ": " + FileErrors.reason(e));
      }
    } else if (token != null) {
      source = "--token";
      t = token.strip();
    } else if (env.get(TOKEN_ENV) != null) {
      source = TOKEN_ENV;
      t = env.get(TOKEN_ENV).strip();
    } else {
      throw CliFailure.badInput("no access token: give --token-file FILE (preferred), --token T, or set " + TOKEN_ENV);
    }
    if (t.isEmpty() || t.length() > MAX_TOKEN_CHARS || !B64TOKEN.matcher(t).matches()) {
      throw CliFailure.badInput("the token from " + source + " is not a bearer token (empty, too long, or has"
          + " characters a token cannot have); it is not shown");
    }
    return t;
  }
}
