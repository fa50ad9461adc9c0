package dev.arbiter.core.crypto;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A key's identity: {@code "sha256:"} followed by the lowercase hex SHA-256 of the public key's
 * SubjectPublicKeyInfo DER bytes, exactly as {@code openssl pkey -pubin -outform DER | sha256sum}
 * computes it. Names a key; says nothing about whether the key is trusted (a key id taken from a
 * message may select among configured keys, never add one).
 */
public record KeyId(String value) {
  private static final Pattern FORMAT = Pattern.compile("sha256:[0-9a-f]{64}");

  /**
   * @throws IllegalArgumentException unless {@code value} is {@code sha256:} and 64 lowercase hex
   *     digits
   */
  public KeyId {
    Objects.requireNonNull(value, "value");
    if (!FORMAT.matcher(value).matches()) {
      String shown = value.length() > 80 ? value.substring(0, 80) + "…" : value;
      throw new IllegalArgumentException(
          "key id must be `sha256:` followed by 64 lowercase hex digits, got `" + shown + "`");
    }
  }

  /** The key id of a public key given as SPKI DER bytes (not validated as a key here). */
  public static KeyId of(byte[] spkiDer) {
    Objects.requireNonNull(spkiDer, "spkiDer");
    return new KeyId(Sha256.prefixed(Sha256.digest(spkiDer)));
  }

  @Override
  public String toString() {
    return value;
  }
}
