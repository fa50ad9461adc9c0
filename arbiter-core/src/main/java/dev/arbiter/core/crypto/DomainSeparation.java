package dev.arbiter.core.crypto;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The bytes Arbiter signs: a versioned context string, a zero byte, and RFC 8785 canonical JSON.
 *
 * <pre>
 *   signingInput = UTF-8(context) ‖ 0x00 ‖ canonicalJson
 *   context      = [a-z][a-z0-9.-]*-v[0-9]+      e.g. "arbiter-approval-v1", "arbiter-checkpoint-v1"
 * </pre>
 *
 * <p>Why this is unambiguous: the context is ASCII and can never contain 0x00, so the first 0x00
 * ends it, and everything after is the payload; canonical JSON never contains 0x00 either (control
 * characters are escaped as <code>&#92;u0000</code>…). Two different (context, payload) pairs therefore never
 * produce the same bytes, and a signature made for one context (an approval) can never be replayed
 * as another (a checkpoint). The version suffix makes every format change a new context.
 */
public final class DomainSeparation {
  private static final Pattern CONTEXT = Pattern.compile("[a-z][a-z0-9.-]*-v[0-9]+");

  private DomainSeparation() {}

  /**
   * {@code UTF-8(context) ‖ 0x00 ‖ canonicalJson}.
   *
   * @throws IllegalArgumentException if {@code context} does not match {@code [a-z][a-z0-9.-]*-v[0-9]+}
   */
  public static byte[] signingInput(String context, byte[] canonicalJson) {
    Objects.requireNonNull(context, "context");
    Objects.requireNonNull(canonicalJson, "canonicalJson");
    if (!CONTEXT.matcher(context).matches()) {
      String shown = context.length() > 60 ? context.substring(0, 60) + "…" : context;
      throw new IllegalArgumentException(
          "signing context `" + shown + "` must match [a-z][a-z0-9.-]*-v[0-9]+ (e.g. arbiter-approval-v1)");
    }
    byte[] prefix = context.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[prefix.length + 1 + canonicalJson.length];
    System.arraycopy(prefix, 0, out, 0, prefix.length);
    out[prefix.length] = 0;
    System.arraycopy(canonicalJson, 0, out, prefix.length + 1, canonicalJson.length);
    return out;
  }
}
