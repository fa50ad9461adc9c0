package dev.arbiter.core.crypto;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * A public key that verifies signatures: Ed25519 (BouncyCastle's lightweight {@link Ed25519Signer};
 * the JDK provider is far slower, see BENCHMARKS.md) or ECDSA P-256 with SHA-256 (the JDK's
 * {@code SHA256withECDSA}, DER signatures).
 *
 * <p>Holding a VerifyingKey says nothing about trust: callers pin which keys they accept (by
 * configuration, compared by {@link #keyId()} or {@link #equals}); a key id found in a message may
 * select among pinned keys, never add one.
 *
 * <p>Immutable and thread-safe. Equality is on the canonical SPKI DER bytes.
 */
public final class VerifyingKey {
  private static final int ED25519_SIGNATURE_LENGTH = 64;
  /** Shortest DER {@code SEQUENCE{INTEGER r, INTEGER s}} with one-byte integers; longest with 33-byte ones. */
  private static final int ECDSA_MIN_DER = 8;

  private static final int ECDSA_MAX_DER = 72;

  private final KeyAlgorithm algorithm;
  private final byte[] spki;
  private final KeyId keyId;
  private final Ed25519PublicKeyParameters ed25519;
  private final ECPublicKey ecdsa;

  private VerifyingKey(KeyCodec.PublicParts parts) {
    this.algorithm = parts.algorithm();
    this.spki = parts.spki();
    this.keyId = KeyId.of(spki);
    this.ed25519 = parts.ed25519();
    this.ecdsa = parts.ecdsa();
  }

  /** Parses an RFC 7468 {@code PUBLIC KEY} PEM block (SPKI), as {@code openssl pkey -pubout} writes. */
  public static VerifyingKey fromPem(String spkiPem) throws KeyFormatException {
    return fromSpkiDer(Pem.decode(spkiPem, Pem.PUBLIC_KEY));
  }

  /** Reads a {@code PUBLIC KEY} PEM file. */
  public static VerifyingKey load(Path file) throws KeyFormatException, IOException {
    Objects.requireNonNull(file, "file");
    try {
      return fromPem(Pem.read(file));
    } catch (KeyFormatException e) {
      throw e.getMessage().startsWith(file.toString()) ? e : new KeyFormatException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Parses canonical SubjectPublicKeyInfo DER: Ed25519 (RFC 8410) or EC P-256 with a named curve and
   * an uncompressed point (RFC 5480). Points are validated (on the curve; for Ed25519, canonical
   * and not of small order).
   */
  public static VerifyingKey fromSpkiDer(byte[] spkiDer) throws KeyFormatException {
    Objects.requireNonNull(spkiDer, "spkiDer");
    return new VerifyingKey(KeyCodec.parseSpki(spkiDer));
  }

  static VerifyingKey fromTrustedParts(KeyCodec.PublicParts parts) {
    return new VerifyingKey(parts);
  }

  public KeyAlgorithm algorithm() {
    return algorithm;
  }

  public KeyId keyId() {
    return keyId;
  }

  /** A copy of the SubjectPublicKeyInfo DER bytes (the bytes {@link #keyId()} hashes). */
  public byte[] spkiDer() {
    return spki.clone();
  }

  /** {@code -----BEGIN PUBLIC KEY-----} PEM, 64-character lines. */
  public String toSpkiPem() {
    return Pem.encode(Pem.PUBLIC_KEY, spki);
  }

  /**
   * Verifies {@code signature} over {@code message} (for Arbiter's own formats, the message is a
   * {@link DomainSeparation#signingInput}). Returns normally only if the signature is valid.
   *
   * @throws SignatureVerificationException if the signature has an impossible length, is not
   *     well-formed (Ed25519: 64 bytes; ECDSA: strict DER with 0 &lt; r, s &lt; n), or does not
   *     verify under this key. Never throws anything else for any signature bytes.
   */
  public void verify(byte[] message, byte[] signature) throws SignatureVerificationException {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(signature, "signature");
    switch (algorithm) {
      case ED25519 -> verifyEd25519(message, signature);
      case ECDSA_P256 -> verifyEcdsa(message, signature);
    }
  }

  private void verifyEd25519(byte[] message, byte[] signature) throws SignatureVerificationException {
    if (signature.length != ED25519_SIGNATURE_LENGTH) {
      throw new SignatureVerificationException(
          "ed25519 signature must be 64 bytes, found " + signature.length + " (key " + keyId + ")");
    }
    boolean valid;
    try {
      Ed25519Signer verifier = new Ed25519Signer();
      verifier.init(false, ed25519);
      verifier.update(message, 0, message.length);
      valid = verifier.verifySignature(signature);
    } catch (RuntimeException e) {
      throw new SignatureVerificationException("ed25519 signature is malformed (key " + keyId + ")", e);
    }
    if (!valid) {
      throw new SignatureVerificationException("ed25519 signature does not verify under key " + keyId);
    }
  }

  private void verifyEcdsa(byte[] message, byte[] signature) throws SignatureVerificationException {
    if (signature.length < ECDSA_MIN_DER || signature.length > ECDSA_MAX_DER) {
      throw new SignatureVerificationException(
          "ecdsa-p256 DER signature must be 8 to 72 bytes, found " + signature.length + " (key " + keyId + ")");
    }
    requireStrictDer(signature);
    boolean valid;
    try {
      Signature verifier = Signature.getInstance("SHA256withECDSA");
      verifier.initVerify(ecdsa);
      verifier.update(message);
      valid = verifier.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new SignatureVerificationException("ecdsa-p256 signature is malformed (key " + keyId + ")", e);
    }
    if (!valid) {
      throw new SignatureVerificationException("ecdsa-p256 signature does not verify under key " + keyId);
    }
  }

  /** One DER encoding per (r, s): BER variants and out-of-range integers are refused up front. */
  private void requireStrictDer(byte[] signature) throws SignatureVerificationException {
    try {
      ASN1Sequence seq = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(signature));
      if (seq.size() == 2
          && Arrays.equals(seq.getEncoded(ASN1Encoding.DER), signature)
          && inRange(ASN1Integer.getInstance(seq.getObjectAt(0)).getValue())
          && inRange(ASN1Integer.getInstance(seq.getObjectAt(1)).getValue())) {
        return;
      }
    } catch (IOException | RuntimeException e) {
      // fall through: malformed
    }
    throw new SignatureVerificationException(
        "ecdsa-p256 signature is not a strict DER SEQUENCE of two integers in [1, n-1] (key " + keyId + ")");
  }

  private static boolean inRange(BigInteger v) {
    return v.signum() > 0 && v.compareTo(KeyCodec.P256.getN()) < 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VerifyingKey other && MessageDigest.isEqual(spki, other.spki);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(spki);
  }

  @Override
  public String toString() {
    return "VerifyingKey[" + algorithm.wireName() + " " + keyId + "]";
  }
}
