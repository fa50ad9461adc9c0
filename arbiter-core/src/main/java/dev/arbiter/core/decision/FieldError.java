package dev.arbiter.core.decision;

/**
 * One structured problem with an input document: a stable {@code code}, the JSON {@code path} of the
 * field, what was found and what was wanted. Renders as {@code action.class: got number, want string}.
 */
public record FieldError(String code, String path, String got, String want) {
  /** Echoed input is bounded: error documents must not amplify or replay what the caller sent. */
  private static final int MAX_ECHO = 80;

  public FieldError {
    path = clip(unlessSecret(path, "a name"));
    got = clip(unlessSecret(got, "a value"));
  }

  /**
   * Echoed input never quotes what looks like a credential (black-box run: an access key sent as an
   * unknown field's name, or a token as an environment, came back in the 400). Scanned before it is
   * cut, so that a cut cannot hide a secret from the scanner.
   */
  private static String unlessSecret(String s, String what) {
    if (s == null) {
      return null;
    }
    return dev.arbiter.core.secrets.SecretScanner.scanText(s).map(detector -> notShown(what, detector)).orElse(s);
  }

  private static String notShown(String what, String detector) {
    return "(" + what + " that looks like a credential (" + detector + "); not shown)";
  }

  /**
   * {@code s} as an error message outside a FieldError may echo it (the decision id of a 404, a
   * path): in backticks and cut at 80 characters, or, when it looks like a credential, {@code (<what>
   * that looks like a credential (<detector>); not shown)}. Black-box run: {@code GET
   * /v1/decisions/ghp_…} answered {@code no decision `ghp_…`} while every 400 masked the same token.
   */
  public static String quoted(String s, String what) {
    return dev.arbiter.core.secrets.SecretScanner.scanText(s).map(detector -> notShown(what, detector))
        .orElseGet(() -> "`" + clip(s) + "`");
  }

  private static String clip(String s) {
    return s == null || s.length() <= MAX_ECHO ? s : s.substring(0, MAX_ECHO) + "…";
  }

  /** A free-text field holds what looks like a credential; names the detector, never the value. */
  public static FieldError secret(String path, String detector) {
    return new FieldError("secret_found", path, "a value that looks like a credential (" + detector + ")",
        "text without credentials: name where the secret is kept instead");
  }

  /** At most {@code limit} errors; the rest are summarised in one last entry. */
  public static java.util.List<FieldError> capped(java.util.List<FieldError> errors, int limit) {
    if (errors.size() <= limit) {
      return errors;
    }
    java.util.List<FieldError> out = new java.util.ArrayList<>(errors.subList(0, limit));
    out.add(new FieldError("too_many_errors", "$", errors.size() + " errors", "the first " + limit + " are listed"));
    return out;
  }

  @Override
  public String toString() {
    return path + ": got " + got + ", want " + want;
  }
}
