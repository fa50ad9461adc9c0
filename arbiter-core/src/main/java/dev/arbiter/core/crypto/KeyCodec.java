package dev.arbiter.core.crypto;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * DER encodings of Arbiter's keys: SubjectPublicKeyInfo (RFC 5280, RFC 8410 for Ed25519, RFC 5480
 * for P-256) and PKCS#8 PrivateKeyInfo (RFC 5208/5958). ASN.1 structure is read with BouncyCastle's
 * ASN.1 classes; key arithmetic is BouncyCastle's or the JDK's; nothing here is a primitive.
 *
 * <p>Public keys must be in their one canonical DER form (P-256: named curve, uncompressed point),
 * because the key id hashes those exact bytes: one key, one key id. Messages never contain key
 * bytes.
 */
final class KeyCodec {
  static final ASN1ObjectIdentifier ED25519_OID = new ASN1ObjectIdentifier("1.3.101.112"); // id-Ed25519, RFC 8410
  static final ASN1ObjectIdentifier EC_PUBLIC_KEY_OID = X9ObjectIdentifiers.id_ecPublicKey;
  static final ASN1ObjectIdentifier P256_OID = X9ObjectIdentifiers.prime256v1;

  static final X9ECParameters P256 = ECNamedCurveTable.getByOID(P256_OID);
  static final ECParameterSpec P256_JDK = jdkP256Params();

  private KeyCodec() {}

  /** A parsed, validated public key. Exactly one of {@code ed25519}/{@code ecdsa} is set. */
  record PublicParts(KeyAlgorithm algorithm, byte[] spki, Ed25519PublicKeyParameters ed25519, ECPublicKey ecdsa) {}

  /** A parsed, validated private key with its derived public key. */
  record PrivateParts(KeyAlgorithm algorithm, Ed25519PrivateKeyParameters ed25519, ECPrivateKey ecdsa, byte[] spki) {}

  // ---------------------------------------------------------------- public keys

  static PublicParts parseSpki(byte[] der) throws KeyFormatException {
    SubjectPublicKeyInfo spki;
    byte[] key;
    try {
      spki = SubjectPublicKeyInfo.getInstance(ASN1Primitive.fromByteArray(der));
      key = spki.getPublicKeyData().getOctets(); // refuses a BIT STRING with unused bits
      if (!Arrays.equals(spki.getEncoded(ASN1Encoding.DER), der)) {
        throw new KeyFormatException("public key is not in canonical DER form");
      }
    } catch (IOException | RuntimeException e) {
      throw new KeyFormatException("public key is not a DER SubjectPublicKeyInfo (" + e.getClass().getSimpleName() + ")");
    }
    AlgorithmIdentifier alg = spki.getAlgorithm();
    ASN1ObjectIdentifier oid = alg.getAlgorithm();
    if (ED25519_OID.equals(oid)) {
      if (alg.getParameters() != null) {
        throw new KeyFormatException("ed25519 public key must have absent algorithm parameters (RFC 8410)");
      }
      if (key.length != Ed25519PublicKeyParameters.KEY_SIZE) {
        throw new KeyFormatException("ed25519 public key must be 32 bytes, found " + key.length);
      }
      if (!Ed25519.validatePublicKeyFull(key, 0)) {
        throw new KeyFormatException("ed25519 public key is not a valid point (non-canonical or small order)");
      }
      return new PublicParts(KeyAlgorithm.ED25519, der.clone(), new Ed25519PublicKeyParameters(key), null);
    }
    if (EC_PUBLIC_KEY_OID.equals(oid)) {
      requireP256(alg.getParameters());
      if (key.length != 65 || key[0] != 0x04) {
        throw new KeyFormatException("ecdsa-p256 public key must be an uncompressed point (65 bytes, 0x04 prefix)");
      }
      try {
        ECPoint q = P256.getCurve().decodePoint(key); // checks the point is on the curve
        if (q.isInfinity()) { // P-256 has cofactor 1: every other curve point has order n
          throw new KeyFormatException("ecdsa-p256 public key is not a valid point");
        }
        ECPublicKey jdk = (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der));
        return new PublicParts(KeyAlgorithm.ECDSA_P256, der.clone(), null, jdk);
      } catch (IllegalArgumentException | GeneralSecurityException e) {
        throw new KeyFormatException("ecdsa-p256 public key is not a valid point on P-256");
      }
    }
    throw new KeyFormatException("unsupported public key algorithm " + describe(oid) + "; accepted: ed25519, ecdsa-p256");
  }

  static byte[] ed25519Spki(Ed25519PublicKeyParameters pub) {
    try {
      return new SubjectPublicKeyInfo(new AlgorithmIdentifier(ED25519_OID), pub.getEncoded()).getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new IllegalStateException("DER encoding failed", e);
    }
  }

  // ---------------------------------------------------------------- private keys

  static PrivateParts parsePkcs8(byte[] der) throws KeyFormatException {
    PrivateKeyInfo info;
    try {
      info = PrivateKeyInfo.getInstance(ASN1Primitive.fromByteArray(der));
    } catch (IOException | RuntimeException e) {
      throw new KeyFormatException("private key is not a DER PKCS#8 PrivateKeyInfo (" + e.getClass().getSimpleName() + ")");
    }
    AlgorithmIdentifier alg = info.getPrivateKeyAlgorithm();
    ASN1ObjectIdentifier oid = alg.getAlgorithm();
    if (ED25519_OID.equals(oid)) {
      return parseEd25519(info, alg);
    }
    if (EC_PUBLIC_KEY_OID.equals(oid)) {
      requireP256(alg.getParameters());
      return parseP256(info, der);
    }
    throw new KeyFormatException("unsupported private key algorithm " + describe(oid) + "; accepted: ed25519, ecdsa-p256");
  }

  private static PrivateParts parseEd25519(PrivateKeyInfo info, AlgorithmIdentifier alg) throws KeyFormatException {
    if (alg.getParameters() != null) {
      throw new KeyFormatException("ed25519 private key must have absent algorithm parameters (RFC 8410)");
    }
    byte[] seed;
    try {
      ASN1Encodable inner = info.parsePrivateKey();
      seed = ASN1OctetString.getInstance(inner).getOctets();
    } catch (IOException | RuntimeException e) {
      throw new KeyFormatException("ed25519 private key: CurvePrivateKey is not an OCTET STRING");
    }
    try {
      if (seed.length != Ed25519PrivateKeyParameters.KEY_SIZE) {
        throw new KeyFormatException("ed25519 private key must be 32 bytes, found " + seed.length);
      }
      Ed25519PrivateKeyParameters priv = new Ed25519PrivateKeyParameters(seed);
      Ed25519PublicKeyParameters pub = priv.generatePublicKey();
      if (info.hasPublicKey() && !java.security.MessageDigest.isEqual(embeddedPublicKey(info), pub.getEncoded())) {
        throw new KeyFormatException("ed25519 private key carries a public key that does not match it");
      }
      return new PrivateParts(KeyAlgorithm.ED25519, priv, null, ed25519Spki(pub));
    } finally {
      Arrays.fill(seed, (byte) 0);
    }
  }

  private static PrivateParts parseP256(PrivateKeyInfo info, byte[] der) throws KeyFormatException {
    ECPrivateKey priv;
    try {
      priv = (ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new KeyFormatException("ecdsa-p256 private key could not be decoded");
    }
    BigInteger d = priv.getS();
    if (d.signum() <= 0 || d.compareTo(P256.getN()) >= 0) {
      throw new KeyFormatException("ecdsa-p256 private scalar is out of range");
    }
    ECPoint q = new FixedPointCombMultiplier().multiply(P256.getG(), d).normalize();
    byte[] point = q.getEncoded(false);
    try {
      org.bouncycastle.asn1.sec.ECPrivateKey sec1 = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
      if (sec1.getParametersObject() != null) {
        requireP256(sec1.getParametersObject());
      }
      if (sec1.getPublicKey() != null && !java.security.MessageDigest.isEqual(sec1.getPublicKey().getOctets(), point)) {
        throw new KeyFormatException("ecdsa-p256 private key carries a public key that does not match it");
      }
    } catch (IOException | RuntimeException e) {
      throw new KeyFormatException("ecdsa-p256 private key: ECPrivateKey structure is malformed");
    }
    return new PrivateParts(KeyAlgorithm.ECDSA_P256, null, priv, p256Spki(q));
  }

  static byte[] p256Spki(ECPoint normalized) {
    try {
      java.security.spec.ECPoint w =
          new java.security.spec.ECPoint(
              normalized.getAffineXCoord().toBigInteger(), normalized.getAffineYCoord().toBigInteger());
      return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, P256_JDK)).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("P-256 public key encoding failed", e);
    }
  }

  static byte[] ed25519Pkcs8(Ed25519PrivateKeyParameters priv) {
    byte[] seed = priv.getEncoded();
    try {
      return new PrivateKeyInfo(new AlgorithmIdentifier(ED25519_OID), new DEROctetString(seed)).getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new IllegalStateException("DER encoding failed", e);
    } finally {
      Arrays.fill(seed, (byte) 0);
    }
  }

  // ---------------------------------------------------------------- helpers

  private static byte[] embeddedPublicKey(PrivateKeyInfo info) throws KeyFormatException {
    try {
      return info.getPublicKeyData().getOctets();
    } catch (RuntimeException e) {
      throw new KeyFormatException("ed25519 private key carries a malformed public key");
    }
  }

  private static void requireP256(ASN1Encodable parameters) throws KeyFormatException {
    if (!(parameters instanceof ASN1ObjectIdentifier curve)) {
      throw new KeyFormatException("EC key must name its curve (explicit curve parameters are not accepted)");
    }
    if (!P256_OID.equals(curve)) {
      throw new KeyFormatException("EC key is on curve " + describe(curve) + "; only P-256 (prime256v1) is accepted");
    }
  }

  private static String describe(ASN1ObjectIdentifier oid) {
    String name =
        switch (oid.getId()) {
          case "1.2.840.113549.1.1.1" -> "rsaEncryption";
          case "1.3.101.113" -> "Ed448";
          case "1.3.101.110" -> "X25519";
          case "1.3.132.0.34" -> "P-384";
          case "1.3.132.0.35" -> "P-521";
          case "1.3.132.0.10" -> "secp256k1";
          default -> null;
        };
    return name == null ? "OID " + oid.getId() : name + " (OID " + oid.getId() + ")";
  }

  private static ECParameterSpec jdkP256Params() {
    try {
      java.security.AlgorithmParameters p = java.security.AlgorithmParameters.getInstance("EC");
      p.init(new ECGenParameterSpec("secp256r1"));
      return p.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no P-256", e);
    }
  }
}
