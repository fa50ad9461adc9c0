package dev.arbiter.core.crypto;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Objects;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * A private signing key: Ed25519 (RFC 8032, via BouncyCastle's lightweight {@link Ed25519Signer})
 * or ECDSA P-256 with SHA-256 (the JDK's {@code SHA256withECDSA}, DER signatures).
 *
 * <p>Key material is unreachable by default: instances are immutable and only built by validating
 * factories; {@link #toString()} shows the algorithm and key id only; the private key leaves only
 * through {@link #exportPkcs8PemDangerously()}. The file format is unencrypted PKCS#8 PEM
 * ({@code -----BEGIN PRIVATE KEY-----}), what {@code openssl genpkey} writes and
 * {@code openssl pkey} reads.
 *
 * <p>Thread-safe: {@link #sign(byte[])} keeps no state between calls.
 */
public final class SigningKey {
  private final KeyAlgorithm algorithm;
  private final VerifyingKey verifyingKey;
  private final Ed25519PrivateKeyParameters ed25519; // set iff algorithm == ED25519
  private final ECPrivateKey ecdsa; // set iff algorithm == ECDSA_P256

  private SigningKey(KeyCodec.PrivateParts parts) throws KeyFormatException {
    this.algorithm = parts.algorithm();
    this.ed25519 = parts.ed25519();
    this.ecdsa = parts.ecdsa();
    this.verifyingKey = VerifyingKey.fromSpkiDer(parts.spki());
  }

  /** A new random key. */
  public static SigningKey generate(KeyAlgorithm algorithm, SecureRandom random) {
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(random, "random");
    try {
      return switch (algorithm) {
        case ED25519 -> {
          Ed25519PrivateKeyParameters priv = new Ed25519PrivateKeyParameters(random);
          yield new SigningKey(
              new KeyCodec.PrivateParts(algorithm, priv, null, KeyCodec.ed25519Spki(priv.generatePublicKey())));
        }
        case ECDSA_P256 -> {
          KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
          generator.initialize(new ECGenParameterSpec("secp256r1"), random);
          KeyPair pair = generator.generateKeyPair();
          yield new SigningKey(
              new KeyCodec.PrivateParts(algorithm, null, (ECPrivateKey) pair.getPrivate(), pair.getPublic().getEncoded()));
        }
      };
    } catch (GeneralSecurityException | KeyFormatException e) {
      throw new IllegalStateException("generating a " + algorithm.wireName() + " key failed", e);
    }
  }

  /**
   * Parses an unencrypted PKCS#8 {@code PRIVATE KEY} PEM block holding an Ed25519 or P-256 key. An
   * embedded public key, if present, must match the private key.
   */
  public static SigningKey fromPem(String pkcs8Pem) throws KeyFormatException {
    byte[] der = Pem.decode(pkcs8Pem, Pem.PRIVATE_KEY);
    try {
      return new SigningKey(KeyCodec.parsePkcs8(der));
    } finally {
      java.util.Arrays.fill(der, (byte) 0);
    }
  }

  /** Reads a PKCS#8 {@code PRIVATE KEY} PEM file. */
  public static SigningKey load(Path file) throws KeyFormatException, IOException {
    Objects.requireNonNull(file, "file");
    try {
      return fromPem(Pem.read(file));
    } catch (KeyFormatException e) {
      throw e.getMessage().startsWith(file.toString()) ? e : new KeyFormatException(file + ": " + e.getMessage(), e);
    }
  }

  public KeyAlgorithm algorithm() {
    return algorithm;
  }

  public KeyId keyId() {
    return verifyingKey.keyId();
  }

  public VerifyingKey verifyingKey() {
    return verifyingKey;
  }

  /**
   * Signs {@code message} (for Arbiter's own formats, a {@link DomainSeparation#signingInput}).
   * Ed25519: 64 bytes, deterministic. ECDSA P-256: DER {@code SEQUENCE{r, s}}, randomized.
   */
  public byte[] sign(byte[] message) {
    Objects.requireNonNull(message, "message");
    try {
      return switch (algorithm) {
        case ED25519 -> {
          Ed25519Signer signer = new Ed25519Signer();
          signer.init(true, ed25519);
          signer.update(message, 0, message.length);
          yield signer.generateSignature();
        }
        case ECDSA_P256 -> {
          Signature signer = Signature.getInstance("SHA256withECDSA");
          signer.initSign(ecdsa);
          signer.update(message);
          yield signer.sign();
        }
      };
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(algorithm.wireName() + " signing failed for key " + keyId(), e);
    }
  }

  /**
   * The private key as unencrypted PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}, 64-character
   * lines). Whoever holds the result can sign as this key: write it only to a file created with
   * owner-only permissions, never to logs.
   */
  public String exportPkcs8PemDangerously() {
    byte[] der =
        switch (algorithm) {
          case ED25519 -> KeyCodec.ed25519Pkcs8(ed25519);
          case ECDSA_P256 -> ecdsa.getEncoded();
        };
    try {
      return Pem.encode(Pem.PRIVATE_KEY, der);
    } finally {
      java.util.Arrays.fill(der, (byte) 0);
    }
  }

  /** Algorithm and key id only. */
  @Override
  public String toString() {
    return "SigningKey[" + algorithm.wireName() + " " + keyId() + "]";
  }
}
