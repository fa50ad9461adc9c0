package dev.arbiter.core.secrets;

import dev.arbiter.core.decision.Action;
import dev.arbiter.core.decision.DecisionRequest;
import dev.arbiter.core.decision.RequestContext;
import dev.arbiter.core.decision.Target;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
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
  private record Detector(String name, Predicate<String> foundIn) {
    static Detector regex(String name, String pattern) {
      return new Detector(name, Pattern.compile(pattern).asPredicate());
    }
  }

  // Every pattern starts at a literal and either succeeds once its run is long enough or bounds the
  // run it scans: java.util.regex retries at every start, so an unbounded run that can still fail
  // (such as the JWT's, which needs a '.' after it) made the scan quadratic: 256 KiB of "eyJ-" took
  // two minutes. The JWT has its own one-pass check (JwtShape).
  private static final List<Detector> VALUE_DETECTORS = List.of(
      Detector.regex("private_key", "-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----"),
      Detector.regex("aws_access_key_id", "\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b"),
      Detector.regex("github_token", "\\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"),
      Detector.regex("slack_token", "\\bxox[abprs]-[A-Za-z0-9-]{10,}"),
      Detector.regex("stripe_secret_key", "\\b[rs]k_live_[A-Za-z0-9]{16,}"),
      Detector.regex("google_api_key", "\\bAIza[0-9A-Za-z_-]{35}\\b"),
      new Detector("jwt", JwtShape::foundIn),
      Detector.regex("bearer_token", "(?i)\\bbearer\\s{1,16}[A-Za-z0-9._~+/-]{20,}=*"),
      Detector.regex("gitlab_token", "\\bglpat-[A-Za-z0-9_-]{20,}"),
      Detector.regex("npm_token", "\\bnpm_[A-Za-z0-9]{36}\\b"),
      // sk- keys are random: a digit and an upper-case letter within the first 200 characters (not
      // an identifier such as sk-small-blue-widget-variant-extra-long)
      Detector.regex("sk_api_key", "\\bsk-(?:proj-|ant-)?(?=[A-Za-z0-9_-]{0,200}[0-9])(?=[A-Za-z0-9_-]{0,200}[A-Z])[A-Za-z0-9_-]{32,}"),
      Detector.regex("slack_webhook", "https://hooks\\.slack\\.com/services/T[A-Za-z0-9]{1,64}/B[A-Za-z0-9]{1,64}/[A-Za-z0-9]{8,}"),
      // scheme://user:password@host. Not a placeholder (${DB_PASSWORD}, <password>, %(pw)s, the word
      // PASSWORD), and neither part crosses a quote, a query or fragment, or a list separator (JSON in a
      // string, ?notify=ops@acme.io, redis://cache:6379,alerts=ops@acme.io).
      Detector.regex("url_credentials",
          "://[^/\\s:@?#,\"]{1,256}:(?![$<{*%])(?!(?i:password|passwd|pass|pwd|secret)@)[^/\\s@?#,\"]{1,256}@"),
      // key=value connection strings and query strings: Password=, AccountKey=, &password=, --password=,
      // and Pwd= only after a ';' (ODBC), not the shell's PWD=/srv/app; not a flag (--reset-password=true)
      Detector.regex("connection_string_password",
          "(?i)(?:(?:^|[;\\s&?-])(?:password|accountkey)|(?:^|;)\\s{0,16}pwd)\\s{0,16}=\\s{0,16}['\"]?(?![$<{*%])(?!(?i:true|false|yes|no|null|none)(?:[;\\s&'\"]|$))[^;\\s&'\"]{3,}"));

  /** What {@link #redact} leaves: exactly that, not a value that merely starts like it. */
  private static final Pattern REDACTED = Pattern.compile("\\[redacted:[a-z0-9_]{1,64}]");
  /** A whole value that names where the secret comes from instead of holding it. */
  private static final Pattern PLACEHOLDER = Pattern.compile(
      "\\$\\{[^}]{1,128}}|\\{\\{[^}]{1,128}}}|<[^>]{1,128}>|%\\([^)]{1,128}\\)s|\\$[A-Z_][A-Z0-9_]{0,127}");

  private static final Set<String> CREDENTIAL_FIELDS = Set.of(
      "password", "passwd", "passphrase", "secret", "client_secret", "api_key", "apikey", "access_token",
      "refresh_token", "auth_token", "private_key", "secret_key", "access_key_secret", "aws_secret_access_key",
      "token", "credentials_password");

  private SecretScanner() {}

  /**
   * Every secret in the request, in document order: every string a client sends is recorded, so
   * every one is scanned (the payload and intent, and the tool, target, actor, request source and
   * scope, where a connection string or a token pasted by mistake would otherwise reach the ledger
   * and the grant).
   */
  public static List<SecretFinding> scan(DecisionRequest request) {
    List<SecretFinding> out = new ArrayList<>();
    Action a = request.action();
    scanString(a.actionClass(), "action.class", out);
    scanString(a.tool(), "action.tool", out);
    scanString(a.intent(), "action.intent", out);
    scanString(a.target().type(), "action.target.type", out);
    scanString(a.target().id(), "action.target.id", out);
    scanValue(a.payload(), "action.payload", out);
    RequestContext c = request.context();
    c.actorId().ifPresent(id -> scanString(id, "context.actor.id", out));
    scanString(c.requestSource(), "context.request_source", out);
    scanString(c.scope(), "context.scope", out);
    return List.copyOf(out);
  }

  /**
   * The detector that finds a secret in one free-text value a client sends (an approval's
   * rationale, a cancel's reason), if any.
   */
  public static Optional<String> scanText(String text) {
    List<SecretFinding> out = new ArrayList<>(1);
    scanString(text, "text", out);
    return out.stream().findFirst().map(SecretFinding::detector);
  }

  /** The request with every finding's value replaced by {@code [redacted:<detector>]}. */
  public static DecisionRequest redact(DecisionRequest request, List<SecretFinding> findings) {
    if (findings.isEmpty()) {
      return request;
    }
    Map<String, String> byPath = new LinkedHashMap<>();
    findings.forEach(f -> byPath.putIfAbsent(f.path(), f.detector()));
    Action a = request.action();
    @SuppressWarnings("unchecked")
    Map<String, Object> payload = (Map<String, Object>) redactValue(a.payload(), "action.payload", byPath);
    Action action = new Action(redacted(a.actionClass(), "action.class", byPath), redacted(a.tool(), "action.tool", byPath),
        redacted(a.intent(), "action.intent", byPath),
        new Target(redacted(a.target().type(), "action.target.type", byPath),
            redacted(a.target().id(), "action.target.id", byPath)), payload);
    RequestContext c = request.context();
    RequestContext context = new RequestContext(c.actorId().map(id -> redacted(id, "context.actor.id", byPath)),
        c.environment(), redacted(c.requestSource(), "context.request_source", byPath),
        redacted(c.scope(), "context.scope", byPath), c.blastRadius(), c.reversible());
    return new DecisionRequest(action, context);
  }

  private static String redacted(String value, String path, Map<String, String> byPath) {
    String detector = byPath.get(path);
    return detector == null ? value : placeholder(detector);
  }

  private static String placeholder(String detector) {
    return "[redacted:" + detector + "]";
  }

  /**
   * The path of a map key that is itself a secret: its position, never its text (a finding's path is
   * shown in the deny reason and recorded).
   */
  private static String secretKeyPath(String path, int index) {
    return path + "{key " + index + "}";
  }

  private static void scanValue(Object value, String path, List<SecretFinding> out) {
    if (value instanceof Map<?, ?> map) {
      int index = -1;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        index++;
        String key = String.valueOf(e.getKey());
        List<SecretFinding> inKey = new ArrayList<>(1);
        scanString(key, secretKeyPath(path, index), inKey);
        if (!inKey.isEmpty()) {
          out.addAll(inKey); // the entry is redacted whole: key and value
          continue;
        }
        String child = path + "." + key;
        if (e.getValue() instanceof String s && !s.isBlank() && !REDACTED.matcher(s).matches()
            && !PLACEHOLDER.matcher(s.strip()).matches() && isCredentialField(key)) {
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
      if (d.foundIn().test(s)) {
        out.add(new SecretFinding(path, d.name()));
        return;
      }
    }
  }

  /**
   * Suffixes that make a field a credential by name: {@code db_password}, {@code dbPassword}, {@code
   * WEBHOOK_SECRET}, {@code github-api-key}. Not a bare {@code _token} suffix ({@code page_token},
   * {@code csrf_token}) nor a bare {@code _secret} ({@code image_pull_secret}, {@code tls_secret} name
   * a Kubernetes or Vault secret, which is what a deploy should send instead of the value).
   */
  private static final List<String> CREDENTIAL_SUFFIXES = List.of(
      "_password", "_passwd", "_passphrase", "_client_secret", "_webhook_secret", "_signing_secret", "_shared_secret",
      "_api_key", "_apikey", "_private_key", "_secret_key", "_access_token", "_refresh_token", "_auth_token");

  private static boolean isCredentialField(String key) {
    String k = snake(key);
    if (CREDENTIAL_FIELDS.contains(k)) {
      return true;
    }
    for (String suffix : CREDENTIAL_SUFFIXES) {
      if (k.endsWith(suffix) || k.equals(suffix.substring(1))) {
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
      int index = -1;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        index++;
        String keyDetector = byPath.get(secretKeyPath(path, index));
        if (keyDetector != null) {
          // a key that neither the request nor the copy has: an entry must never overwrite another
          String key = placeholder(keyDetector);
          for (int n = index; map.containsKey(key) || copy.containsKey(key); n++) {
            key = placeholder(keyDetector) + "#" + n;
          }
          copy.put(key, placeholder(keyDetector));
        } else {
          String k = String.valueOf(e.getKey());
          copy.put(k, redactValue(e.getValue(), path + "." + k, byPath));
        }
      }
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
