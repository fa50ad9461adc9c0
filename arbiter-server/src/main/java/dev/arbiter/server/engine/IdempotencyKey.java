package dev.arbiter.server.engine;

import dev.arbiter.core.crypto.Sha256;
import dev.arbiter.core.decision.FieldError;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A client's Idempotency-Key. Only its hash ({@code sha256:<hex>} of the UTF-8 key) is kept, logged or
 * ledgered: a key may be a client secret. {@link #toString()} reveals nothing.
 *
 * <p>A key belongs to the caller that used it: the engine remembers it under {@link #scoped} (the
 * caller's subject and the key's hash), so another caller using the same key neither replays nor
 * conflicts with the first caller's decision. The ledger keeps recording the plain {@link #hash()}
 * (as it always did) together with the caller as the event's actor, and the replay scopes from those.
 */
public final class IdempotencyKey {
  static final int MAX_LENGTH = 255;
  private final String hash;

  private IdempotencyKey(String hash) {
    this.hash = hash;
  }

  /**
   * As {@link #of(String)} for every {@code Idempotency-Key} header of a request: exactly one.
   * With two, which one counts would depend on the parser (the first, the last, both joined).
   */
  public static IdempotencyKey ofHeaders(java.util.Enumeration<String> values) throws EngineException.InvalidInput {
    String first = values != null && values.hasMoreElements() ? values.nextElement() : null;
    if (values != null && values.hasMoreElements()) {
      throw invalid("ambiguous_header", "more than one Idempotency-Key header");
    }
    return of(first);
  }

  /**
   * @param raw the header value, or null when the header is absent
   * @throws EngineException.InvalidInput when absent, empty, longer than 255 characters or not
   *     printable ASCII
   */
  public static IdempotencyKey of(String raw) throws EngineException.InvalidInput {
    if (raw == null || raw.isBlank()) {
      throw invalid("missing_header", "nothing");
    }
    if (raw.length() > MAX_LENGTH) {
      throw invalid("invalid_header", raw.length() + " characters");
    }
    if (!raw.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
      throw invalid("invalid_header", "non-printable or non-ASCII characters");
    }
    return new IdempotencyKey(Sha256.prefixed(Sha256.digest(raw.getBytes(StandardCharsets.US_ASCII))));
  }

  private static EngineException.InvalidInput invalid(String code, String got) {
    return new EngineException.InvalidInput(List.of(
        new FieldError(code, "header.Idempotency-Key", got, "1-255 printable ASCII characters, unique per request")));
  }

  /** {@link #scoped} for this key and {@code subject}. */
  public String scopedTo(String subject) {
    return scoped(subject, hash);
  }

  /**
   * The in-memory identity of a key used by {@code subject}: {@code sha256:<hex>} of {@code
   * "arbiter-idempotency-scope-v1" 0x00}, the subject's UTF-8 length (4 bytes, big-endian), the
   * subject's UTF-8 bytes and the key's {@code sha256:<hex>} hash in ASCII. Never recorded; the
   * length prefix keeps any two (subject, key) pairs apart.
   */
  static String scoped(String subject, String keyHash) {
    byte[] s = subject.getBytes(StandardCharsets.UTF_8);
    byte[] k = keyHash.getBytes(StandardCharsets.US_ASCII);
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(SCOPE.length + 4 + s.length + k.length);
    b.put(SCOPE).putInt(s.length).put(s).put(k);
    return Sha256.prefixed(Sha256.digest(b.array()));
  }

  private static final byte[] SCOPE = "arbiter-idempotency-scope-v1\0".getBytes(StandardCharsets.US_ASCII);

  /** {@code sha256:<hex>} of the key. */
  public String hash() {
    return hash;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IdempotencyKey k && k.hash.equals(hash);
  }

  @Override
  public int hashCode() {
    return hash.hashCode();
  }

  @Override
  public String toString() {
    return "IdempotencyKey[" + hash.substring(0, 19) + "…]";
  }
}
