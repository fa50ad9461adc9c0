package dev.arbiter.core.secrets;

import dev.arbiter.core.decision.Action;
import dev.arbiter.core.decision.DecisionRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Finds credentials in a decision request before anything about it is recorded: Arbiter's ledger is
 * append-only, so a secret written there could never be removed. Two kinds of detector:
 *
 * <ul>
 *   <li>value patterns for well-known credential formats (private keys, cloud and SaaS tokens,
 *       JWTs), applied to every string in {@code action.payload} and to {@code action.intent};
 *   <li>field names that hold credentials by convention ({@code password}, {@code api_key},
 *       {@code client_secret}, ...) with a non-empty string value, anywhere in the payload.
 * </ul>
 *
 * A request with findings is denied by policy evaluation and recorded with those values replaced by
 * {@code [redacted:<detector>]} ({@link #redact}). Findings never contain the secret.
 */
public final class SecretScanner {
  private record Detector(String name, Pattern pattern) {}

  private static final List<Detector> VALUE_DETECTORS = List.of(
      new Detector("private_key", Pattern.compile("-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")),
      new Detector("aws_access_key_id", Pattern.compile("\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b")),
      new Detector("github_token", Pattern.compile("\\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")),
      new Detector("slack_token", Pattern.compile("\\bxox[abprs]-[A-Za-z0-9-]{10,}")),
      new Detector("stripe_secret_key", Pattern.compile("\\b[rs]k_live_[A-Za-z0-9]{16,}")),
      new Detector("google_api_key", Pattern.compile("\\bAIza[0-9A-Za-z_-]{35}\\b")),
      new Detector("jwt", Pattern.compile("\\beyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}")),
      new Detector("bearer_token", Pattern.compile("(?i)\\bbearer\\s+[A-Za-z0-9._~+/-]{20,}=*")),
      new Detector("gitlab_token", Pattern.compile("\\bglpat-[A-Za-z0-9_-]{20,}")),
      new Detector("npm_token", Pattern.compile("\\bnpm_[A-Za-z0-9]{36}\\b")),
      new Detector("sk_api_key", Pattern.compile("\\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{32,}")),
      new Detector("slack_webhook", Pattern.compile("https://hooks\\.slack\\.com/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]+")),
      // scheme://user:password@host; not a placeholder such as ${DB_PASSWORD} or <password>. Starts at
      // the literal "://" and every run is bounded: no input makes a match attempt scan far.
      new Detector("url_credentials", Pattern.compile("://[^/\\s:@]{1,256}:(?![$<{*])[^/\\s@]{1,256}@")),
      // ADO.NET / ODBC / JDBC-style key=value connection strings
      new Detector("connection_string_password",
          Pattern.compile("(?i)(?:^|[;\\s])(?:password|pwd|accountkey)\\s{0,16}=\\s{0,16}(?![$<{*])[^;\\s]{3,}")));

  private static final Set<String> CREDENTIAL_FIELDS = Set.of(
      "password", "passwd", "passphrase", "secret", "client_secret", "api_key", "apikey", "access_token",
      "refresh_token", "auth_token", "private_key", "secret_key", "access_key_secret", "aws_secret_access_key",
      "token", "credentials_password");

  private SecretScanner() {}

  /** Every secret in the request's payload and intent, in document order. */
  public static List<SecretFinding> scan(DecisionRequest request) {
    List<SecretFinding> out = new ArrayList<>();
    scanString(request.action().intent(), "action.intent", out);
    scanValue(request.action().payload(), "action.payload", out);
    return List.copyOf(out);
  }

  /** The request with every finding's value replaced by {@code [redacted:<detector>]}. */
  public static DecisionRequest redact(DecisionRequest request, List<SecretFinding> findings) {
    if (findings.isEmpty()) {
      return request;
    }
    Map<String, String> byPath = new LinkedHashMap<>();
    findings.forEach(f -> byPath.putIfAbsent(f.path(), f.detector()));
    Action a = request.action();
    String intent = byPath.containsKey("action.intent") ? placeholder(byPath.get("action.intent")) : a.intent();
    @SuppressWarnings("unchecked")
    Map<String, Object> payload = (Map<String, Object>) redactValue(a.payload(), "action.payload", byPath);
    return new DecisionRequest(new Action(a.actionClass(), a.tool(), intent, a.target(), payload), request.context());
  }

  private static String placeholder(String detector) {
    return "[redacted:" + detector + "]";
  }

  private static void scanValue(Object value, String path, List<SecretFinding> out) {
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String key = String.valueOf(e.getKey());
        String child = path + "." + key;
        if (e.getValue() instanceof String s && !s.isBlank() && !s.startsWith("[redacted:") && isCredentialField(key)) {
          out.add(new SecretFinding(child, "credential_field"));
        } else {
          scanValue(e.getValue(), child, out);
        }
      }
    } else if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        scanValue(list.get(i), path + "[" + i + "]", out);
      }
    } else if (value instanceof String s) {
      scanString(s, path, out);
    }
  }

  private static void scanString(String s, String path, List<SecretFinding> out) {
    if (s == null || s.length() < 16) {
      return;
    }
    for (Detector d : VALUE_DETECTORS) {
      if (d.pattern().matcher(s).find()) {
        out.add(new SecretFinding(path, d.name()));
        return;
      }
    }
  }

  /**
   * Suffixes that make a field a credential by name: {@code db_password}, {@code dbPassword}, {@code
   * WEBHOOK_SECRET}, {@code github-api-key}. Not a bare {@code token} suffix: {@code page_token} and
   * {@code csrf_token} name opaque values that are not credentials often enough to deny for.
   */
  private static final List<String> CREDENTIAL_SUFFIXES = List.of(
      "_password", "_passwd", "_passphrase", "_secret", "_api_key", "_apikey", "_private_key", "_secret_key",
      "_access_token", "_refresh_token", "_auth_token");

  private static boolean isCredentialField(String key) {
    String k = snake(key);
    if (CREDENTIAL_FIELDS.contains(k)) {
      return true;
    }
    for (String suffix : CREDENTIAL_SUFFIXES) {
      if (k.endsWith(suffix)) {
        return true;
      }
    }
    return false;
  }

  /** {@code dbPassword}, {@code DB-PASSWORD}, {@code db.password} → {@code db_password}. */
  private static String snake(String key) {
    StringBuilder b = new StringBuilder(key.length() + 4);
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (Character.isUpperCase(c) && i > 0 && (Character.isLowerCase(key.charAt(i - 1)) || Character.isDigit(key.charAt(i - 1)))) {
        b.append('_');
      }
      b.append(c == '-' || c == '.' || c == ' ' ? '_' : Character.toLowerCase(c));
    }
    return b.toString();
  }

  private static Object redactValue(Object value, String path, Map<String, String> byPath) {
    String detector = byPath.get(path);
    if (detector != null) {
      return placeholder(detector);
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      map.forEach((k, v) -> copy.put(String.valueOf(k), redactValue(v, path + "." + k, byPath)));
      return java.util.Collections.unmodifiableMap(copy);
    }
    if (value instanceof List<?> list) {
      List<Object> copy = new ArrayList<>(list.size());
      for (int i = 0; i < list.size(); i++) {
        copy.add(redactValue(list.get(i), path + "[" + i + "]", byPath));
      }
      return java.util.Collections.unmodifiableList(copy);
    }
    return value;
  }
}
