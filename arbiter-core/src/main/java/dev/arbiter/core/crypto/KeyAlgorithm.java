package dev.arbiter.core.crypto;

import java.util.Arrays;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The signature algorithms Arbiter accepts. The wire name is what appears in files, CLI flags and
 * approval {@code method} fields.
 *
 * <ul>
 *   <li>{@link #ED25519}: RFC 8032 Ed25519 (pure, no prehash), 64-byte signatures.
 *   <li>{@link #ECDSA_P256}: ECDSA over NIST P-256 with SHA-256, ASN.1 DER signatures
 *       ({@code SEQUENCE { r INTEGER, s INTEGER }}), as produced by WebCrypto-to-DER, OpenSSL and
 *       the JDK's {@code SHA256withECDSA}.
 * </ul>
 */
public enum KeyAlgorithm {
  ED25519("ed25519"),
  ECDSA_P256("ecdsa-p256");

  private final String wireName;

  KeyAlgorithm(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /**
   * The algorithm with this exact (case-sensitive) wire name.
   *
   * @throws IllegalArgumentException naming the accepted names
   */
  public static KeyAlgorithm fromWireName(String wireName) {
    Objects.requireNonNull(wireName, "wireName");
    for (KeyAlgorithm a : values()) {
      if (a.wireName.equals(wireName)) {
        return a;
      }
    }
    String accepted = Arrays.stream(values()).map(KeyAlgorithm::wireName).collect(Collectors.joining(", "));
    String shown = wireName.length() > 40 ? wireName.substring(0, 40) + "…" : wireName;
    throw new IllegalArgumentException("unknown key algorithm `" + shown + "`; accepted: " + accepted);
  }

  @Override
  public String toString() {
    return wireName;
  }
}
