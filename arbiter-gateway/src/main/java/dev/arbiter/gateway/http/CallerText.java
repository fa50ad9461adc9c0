package dev.arbiter.gateway.http;

import dev.arbiter.core.decision.FieldError;
import dev.arbiter.core.secrets.SecretScanner;
import java.util.List;
import java.util.Optional;

/**
 * A caller's text on its way to a log line, a problem's detail or the ledger, which is append-only:
 * what is written there can never be taken back, so it is scanned for credentials as the engine
 * scans what it records, and made printable.
 */
final class CallerText {
  private CallerText() {}

  /**
   * What the gateway shows, logs and records instead of {@code text} when it looks like a credential
   * ({@code (a name that looks like a credential (aws_access_key_id); not shown)}, as {@link
   * FieldError#quoted} answers in the engine's errors), else empty. {@code text} is scanned whole, and
   * again without its invisible characters: a zero-width space inside a key hides it from the
   * scanner's patterns, not from a reader of the ledger.
   */
  static Optional<String> masked(String text, String what) {
    for (String s : List.of(text, visible(text))) {
      if (SecretScanner.scanText(s).isPresent()) {
        return Optional.of(FieldError.quoted(s, what));
      }
    }
    return Optional.empty();
  }

  /**
   * {@code s} with every character a reader cannot see escaped as a backslash, {@code u} and four
   * hex digits (a character beyond the BMP as its two UTF-16 halves), cut to {@code max} code points
   * (never inside a surrogate pair). Escaped: controls (a newline would forge a log line, an escape
   * sequence reach a terminal), line and paragraph separators, and format characters (U+202E turns
   * the rest of a line around for whoever reads it; U+200B hides inside a word; tag characters carry
   * invisible text).
   */
  static String printable(String s, int max) {
    StringBuilder b = new StringBuilder();
    int[] cps = s.codePoints().limit(max + 1L).toArray();
    for (int i = 0; i < Math.min(cps.length, max); i++) {
      int c = cps[i];
      if (invisible(c)) {
        for (char half : Character.toChars(c)) {
          b.append(String.format("\\u%04x", (int) half));
        }
      } else {
        b.appendCodePoint(c);
      }
    }
    return cps.length > max ? b.append('…').toString() : b.toString();
  }

  private static String visible(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().filter(c -> !invisible(c)).forEach(b::appendCodePoint);
    return b.toString();
  }

  /** The project's one definition of what a reader cannot see (controls, format characters, separators, ...). */
  private static boolean invisible(int c) {
    return dev.arbiter.core.decision.Spelling.invisible(c);
  }
}
