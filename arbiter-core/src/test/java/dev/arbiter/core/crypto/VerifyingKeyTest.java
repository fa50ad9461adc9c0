package dev.arbiter.core.crypto;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class VerifyingKeyTest {
  private static final byte[] MESSAGE = "arbiter-checkpoint-v1\0{\"size\":3}".getBytes(US_ASCII);
  private static final SecureRandom RANDOM = new SecureRandom();

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void verify_everyFlippedMessageBit_fails(KeyAlgorithm alg) {
    SigningKey key = SigningKey.generate(alg, RANDOM);
    byte[] signature = key.sign(MESSAGE);
    for (int bit = 0; bit < MESSAGE.length * 8; bit += 7) {
      byte[] tampered = flip(MESSAGE, bit);
      assertThatThrownBy(() -> key.verifyingKey().verify(tampered, signature))
          .isInstanceOf(SignatureVerificationException.class)
          .hasMessageContaining("does not verify")
          .hasMessageContaining(key.keyId().value());
    }
  }

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void verify_everyFlippedSignatureBit_failsWithVerificationException(KeyAlgorithm alg) {
    SigningKey key = SigningKey.generate(alg, RANDOM);
    byte[] signature = key.sign(MESSAGE);
    for (int bit = 0; bit < signature.length * 8; bit++) {
      byte[] tampered = flip(signature, bit);
      assertThatThrownBy(() -> key.verifyingKey().verify(MESSAGE, tampered)).isInstanceOf(SignatureVerificationException.class);
    }
  }

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void verify_flippedPublicKeyBit_isRefusedAsKeyOrFailsToVerify(KeyAlgorithm alg) {
    SigningKey key = SigningKey.generate(alg, RANDOM);
    byte[] signature = key.sign(MESSAGE);
    byte[] spki = key.verifyingKey().spkiDer();
    for (int bit = 0; bit < spki.length * 8; bit++) {
      byte[] tampered = flip(spki, bit);
      VerifyingKey other;
      try {
        other = VerifyingKey.fromSpkiDer(tampered);
      } catch (KeyFormatException e) {
        assertThat(e.getMessage()).doesNotContain(Sha256.hex(tampered).substring(0, 24));
        continue;
      }
      assertThat(other).isNotEqualTo(key.verifyingKey());
      assertThatThrownBy(() -> other.verify(MESSAGE, signature)).isInstanceOf(SignatureVerificationException.class);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 32, 63, 65, 128})
  void verify_ed25519WrongLength_saysExpectedAndFound(int length) {
    SigningKey key = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);
    assertThatThrownBy(() -> key.verifyingKey().verify(MESSAGE, new byte[length]))
        .isInstanceOf(SignatureVerificationException.class)
        .hasMessageContaining("must be 64 bytes, found " + length);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 7, 73, 200})
  void verify_ecdsaImpossibleLength_saysExpectedAndFound(int length) {
    SigningKey key = SigningKey.generate(KeyAlgorithm.ECDSA_P256, RANDOM);
    assertThatThrownBy(() -> key.verifyingKey().verify(MESSAGE, new byte[length]))
        .isInstanceOf(SignatureVerificationException.class)
        .hasMessageContaining("found " + length);
  }

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void verify_randomGarbage_isAlwaysAVerificationException(KeyAlgorithm alg) {
    SigningKey key = SigningKey.generate(alg, RANDOM);
    Random random = new Random(42);
    for (int i = 0; i < 300; i++) {
      byte[] garbage = new byte[random.nextInt(80)];
      random.nextBytes(garbage);
      if (i % 3 == 0 && garbage.length > 2) {
        garbage[0] = 0x30; // looks like a DER SEQUENCE
        garbage[1] = (byte) (garbage.length - 2);
      }
      byte[] g = garbage;
      assertThatThrownBy(() -> key.verifyingKey().verify(MESSAGE, g)).isInstanceOf(SignatureVerificationException.class);
    }
  }

  @Test
  void verify_ecdsaNonStrictDer_isRefused() throws Exception {
    SigningKey key = SigningKey.generate(KeyAlgorithm.ECDSA_P256, RANDOM);
    byte[] der = key.sign(MESSAGE);
    while (der.length == 72) { // room for one more byte within the length bound
      der = key.sign(MESSAGE);
    }
    key.verifyingKey().verify(MESSAGE, der);
    byte[] trailing = java.util.Arrays.copyOf(der, der.length + 1);
    assertThatThrownBy(() -> key.verifyingKey().verify(MESSAGE, trailing))
        .isInstanceOf(SignatureVerificationException.class)
        .hasMessageContaining("strict DER");
    // long-form length (BER) for the outer SEQUENCE
    byte[] ber = new byte[der.length + 1];
    ber[0] = 0x30;
    ber[1] = (byte) 0x81;
    ber[2] = der[1];
    System.arraycopy(der, 2, ber, 3, der.length - 2);
    assertThat(ber).hasSizeLessThanOrEqualTo(72);
    assertThatThrownBy(() -> key.verifyingKey().verify(MESSAGE, ber)).isInstanceOf(SignatureVerificationException.class);
  }

  @Test
  void verify_wrongAlgorithmSignature_fails() {
    SigningKey ed = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);
    SigningKey ec = SigningKey.generate(KeyAlgorithm.ECDSA_P256, RANDOM);
    assertThatThrownBy(() -> ed.verifyingKey().verify(MESSAGE, ec.sign(MESSAGE))).isInstanceOf(SignatureVerificationException.class);
    assertThatThrownBy(() -> ec.verifyingKey().verify(MESSAGE, ed.sign(MESSAGE))).isInstanceOf(SignatureVerificationException.class);
    SigningKey ed2 = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);
    assertThatThrownBy(() -> ed2.verifyingKey().verify(MESSAGE, ed.sign(MESSAGE))).isInstanceOf(SignatureVerificationException.class);
  }

  @Test
  void fromSpkiDer_ed25519SmallOrderOrNonCanonicalPoint_isRefused() {
    byte[] identity = Sha256.unhex("302a300506032b6570032100" + "01" + "00".repeat(31));
    assertThatThrownBy(() -> VerifyingKey.fromSpkiDer(identity))
        .isInstanceOf(KeyFormatException.class)
        .hasMessageContaining("small order");
    byte[] nonCanonical = Sha256.unhex("302a300506032b6570032100" + "ed" + "ff".repeat(30) + "7f");
    assertThatThrownBy(() -> VerifyingKey.fromSpkiDer(nonCanonical)).isInstanceOf(KeyFormatException.class);
  }

  @Test
  void fromSpkiDer_compressedP256Point_isRefused() throws Exception {
    byte[] spki = SigningKey.generate(KeyAlgorithm.ECDSA_P256, RANDOM).verifyingKey().spkiDer();
    byte[] point = java.util.Arrays.copyOfRange(spki, spki.length - 65, spki.length);
    byte[] compressed = new byte[33];
    compressed[0] = (byte) (0x02 | (point[64] & 1));
    System.arraycopy(point, 1, compressed, 1, 32);
    byte[] compressedSpki =
        new org.bouncycastle.asn1.x509.SubjectPublicKeyInfo(
                new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
                    org.bouncycastle.asn1.x9.X9ObjectIdentifiers.id_ecPublicKey,
                    org.bouncycastle.asn1.x9.X9ObjectIdentifiers.prime256v1),
                compressed)
            .getEncoded();
    assertThatThrownBy(() -> VerifyingKey.fromSpkiDer(compressedSpki))
        .isInstanceOf(KeyFormatException.class)
        .hasMessageContaining("uncompressed");
  }

  @Test
  void fromSpkiDer_p256PointOffTheCurve_isRefused() {
    SigningKey key = SigningKey.generate(KeyAlgorithm.ECDSA_P256, RANDOM);
    byte[] spki = key.verifyingKey().spkiDer();
    assertThat(spki).hasSize(91);
    byte[] offCurve = spki.clone();
    offCurve[offCurve.length - 1] ^= 1;
    assertThatThrownBy(() -> VerifyingKey.fromSpkiDer(offCurve))
        .isInstanceOf(KeyFormatException.class)
        .hasMessageContaining("not a valid point");
  }

  @Test
  void fromSpkiDer_garbageAndTrailingBytes_areRefused() {
    assertThatThrownBy(() -> VerifyingKey.fromSpkiDer(new byte[0])).isInstanceOf(KeyFormatException.class);
    assertThatThrownBy(() -> VerifyingKey.fromSpkiDer(new byte[] {0x30, 0x00})).isInstanceOf(KeyFormatException.class);
    byte[] spki = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM).verifyingKey().spkiDer();
    byte[] trailing = java.util.Arrays.copyOf(spki, spki.length + 1);
    assertThatThrownBy(() -> VerifyingKey.fromSpkiDer(trailing)).isInstanceOf(KeyFormatException.class);
  }

  @Test
  void spkiDer_returnsACopy() {
    VerifyingKey key = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM).verifyingKey();
    byte[] copy = key.spkiDer();
    copy[copy.length - 1] ^= 1;
    assertThat(key.spkiDer()).isNotEqualTo(copy);
  }

  private static byte[] flip(byte[] bytes, int bit) {
    byte[] copy = bytes.clone();
    copy[bit / 8] ^= (byte) (1 << (bit % 8));
    return copy;
  }
  @Test
  void load_readsAtMost64KiB_soThatAnEndlessFileIsRefusedNotExhaustingMemory(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path big = dir.resolve("big.pem");
    java.nio.file.Files.write(big, new byte[65 * 1024]);
    assertThatThrownBy(() -> VerifyingKey.load(big)).isInstanceOf(KeyFormatException.class).hasMessageContaining("64 KiB");
    assertThatThrownBy(() -> SigningKey.load(big)).isInstanceOf(KeyFormatException.class).hasMessageContaining("64 KiB");
    java.nio.file.Path zero = java.nio.file.Path.of("/dev/zero");
    if (java.nio.file.Files.isReadable(zero)) {
      assertThatThrownBy(() -> VerifyingKey.load(zero)).isInstanceOf(KeyFormatException.class);
    }
    java.nio.file.Path binary = dir.resolve("binary.pem");
    java.nio.file.Files.write(binary, new byte[] {(byte) 0xC3, (byte) 0xA9});
    assertThatThrownBy(() -> VerifyingKey.load(binary)).isInstanceOf(KeyFormatException.class).hasMessageContaining("non-ASCII");
  }
}
