package dev.arbiter.core.crypto;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SigningKeyTest {
  private static final byte[] MESSAGE = "hello arbiter".getBytes(US_ASCII);

  /** RFC 8032 §7.1 TEST 1. */
  private static final String RFC8032_SECRET = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

  private static final String RFC8032_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  private static final String RFC8032_SIGNATURE =
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
  /** RFC 8410 §7: PKCS#8 v1 wrapping of an Ed25519 seed is this fixed prefix followed by the seed. */
  private static final String ED25519_PKCS8_PREFIX = "302e020100300506032b657004220420";

  @TempDir Path dir;

  static String pem(String label, byte[] der) {
    return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(US_ASCII)).encodeToString(der) + "\n-----END " + label + "-----\n";
  }

  @Test
  void rfc8032TestVector1_signsEmptyMessageToKnownSignature() throws Exception {
    SigningKey key = SigningKey.fromPem(pem("PRIVATE KEY", Sha256.unhex(ED25519_PKCS8_PREFIX + RFC8032_SECRET)));
    assertThat(key.algorithm()).isEqualTo(KeyAlgorithm.ED25519);
    byte[] spki = key.verifyingKey().spkiDer();
    assertThat(Sha256.hex(spki)).isEqualTo("302a300506032b6570032100" + RFC8032_PUBLIC);
    assertThat(key.keyId()).isEqualTo(KeyId.of(spki));

    byte[] signature = key.sign(new byte[0]);
    assertThat(Sha256.hex(signature)).isEqualTo(RFC8032_SIGNATURE);
    key.verifyingKey().verify(new byte[0], signature);
    assertThatThrownBy(() -> key.verifyingKey().verify(new byte[] {0}, signature))
        .isInstanceOf(SignatureVerificationException.class);
  }

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void generate_signVerify_andPemRoundTrip(KeyAlgorithm alg) throws Exception {
    SigningKey key = SigningKey.generate(alg, new SecureRandom());
    assertThat(key.algorithm()).isEqualTo(alg);
    assertThat(key.verifyingKey().algorithm()).isEqualTo(alg);
    byte[] signature = key.sign(MESSAGE);
    key.verifyingKey().verify(MESSAGE, signature);

    String privatePem = key.exportPkcs8PemDangerously();
    assertThat(privatePem).startsWith("-----BEGIN PRIVATE KEY-----\n").endsWith("-----END PRIVATE KEY-----\n");
    privatePem.lines().forEach(line -> assertThat(line.length()).isLessThanOrEqualTo(64));
    SigningKey reloaded = SigningKey.fromPem(privatePem);
    assertThat(reloaded.keyId()).isEqualTo(key.keyId());
    assertThat(reloaded.exportPkcs8PemDangerously()).isEqualTo(privatePem);
    key.verifyingKey().verify(MESSAGE, reloaded.sign(MESSAGE));

    String publicPem = key.verifyingKey().toSpkiPem();
    assertThat(publicPem).startsWith("-----BEGIN PUBLIC KEY-----\n").endsWith("-----END PUBLIC KEY-----\n");
    VerifyingKey parsed = VerifyingKey.fromPem(publicPem);
    assertThat(parsed).isEqualTo(key.verifyingKey()).hasSameHashCodeAs(key.verifyingKey());
    assertThat(parsed.keyId()).isEqualTo(key.keyId());
    parsed.verify(MESSAGE, signature);
  }

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void load_readsFilesWrittenByExport(KeyAlgorithm alg) throws Exception {
    SigningKey key = SigningKey.generate(alg, new SecureRandom());
    Path priv = Files.writeString(dir.resolve("k.key"), key.exportPkcs8PemDangerously());
    Path pub = Files.writeString(dir.resolve("k.pub"), key.verifyingKey().toSpkiPem());
    assertThat(SigningKey.load(priv).keyId()).isEqualTo(key.keyId());
    assertThat(VerifyingKey.load(pub)).isEqualTo(key.verifyingKey());
  }

  @Test
  void ed25519_isDeterministic_ecdsaIsRandomizedButBothVerify() throws Exception {
    SigningKey ed = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
    assertThat(ed.sign(MESSAGE)).isEqualTo(ed.sign(MESSAGE)).hasSize(64);
    SigningKey ec = SigningKey.generate(KeyAlgorithm.ECDSA_P256, new SecureRandom());
    byte[] a = ec.sign(MESSAGE);
    byte[] b = ec.sign(MESSAGE);
    assertThat(a).isNotEqualTo(b);
    ec.verifyingKey().verify(MESSAGE, a);
    ec.verifyingKey().verify(MESSAGE, b);
  }

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void toString_revealsOnlyAlgorithmAndKeyId(KeyAlgorithm alg) {
    SigningKey key = SigningKey.generate(alg, new SecureRandom());
    String pemBody = key.exportPkcs8PemDangerously().lines().filter(l -> !l.startsWith("-----")).reduce("", String::concat);
    assertThat(key.toString())
        .isEqualTo("SigningKey[" + alg.wireName() + " " + key.keyId().value() + "]")
        .doesNotContain(pemBody.substring(0, 16));
    assertThat(key.verifyingKey().toString()).isEqualTo("VerifyingKey[" + alg.wireName() + " " + key.keyId().value() + "]");
  }

  @Test
  void fromPem_garbage_isRefusedWithReasonAndWithoutKeyBytes() {
    assertThatThrownBy(() -> SigningKey.fromPem("-----BEGIN PRIVATE KEY-----\nAAAAAAAAAAAAAAAA\n-----END PRIVATE KEY-----\n"))
        .isInstanceOf(KeyFormatException.class)
        .hasMessageContaining("PKCS#8")
        .hasMessageNotContaining("AAAA");
    assertThatThrownBy(() -> SigningKey.fromPem("-----BEGIN PRIVATE KEY-----\n!!not base64!!\n-----END PRIVATE KEY-----\n"))
        .isInstanceOf(KeyFormatException.class)
        .hasMessageContaining("base64");
    assertThatThrownBy(() -> SigningKey.fromPem("hello")).isInstanceOf(KeyFormatException.class).hasMessageContaining("not PEM");
    assertThatThrownBy(() -> SigningKey.fromPem("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n"))
        .isInstanceOf(KeyFormatException.class)
        .hasMessageContaining("END");
  }

  @Test
  void fromPem_p256WithGarbageScalar_isRefused() throws Exception {
    SigningKey real = SigningKey.generate(KeyAlgorithm.ECDSA_P256, new SecureRandom());
    String pem = real.exportPkcs8PemDangerously();
    byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
    // Truncate the DER: still a PEM block, no longer a key.
    byte[] truncated = java.util.Arrays.copyOf(der, der.length - 5);
    assertThatThrownBy(() -> SigningKey.fromPem(pem("PRIVATE KEY", truncated))).isInstanceOf(KeyFormatException.class);
    // Random bytes after a valid P-256 AlgorithmIdentifier.
    byte[] garbage = der.clone();
    for (int i = 30; i < garbage.length; i++) {
      garbage[i] = (byte) (i * 37);
    }
    assertThatThrownBy(() -> SigningKey.fromPem(pem("PRIVATE KEY", garbage))).isInstanceOf(KeyFormatException.class);
  }

  @Test
  void fromPem_ed25519WithMismatchedEmbeddedPublicKey_isRefused() throws Exception {
    // PKCS#8 v2 (RFC 8410 §7 example layout) with the public key of another seed.
    byte[] seed = Sha256.unhex(RFC8032_SECRET);
    String otherPublic = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
    byte[] der = Sha256.unhex("3051020101300506032b657004220420" + RFC8032_SECRET + "812100" + otherPublic);
    assertThatThrownBy(() -> SigningKey.fromPem(pem("PRIVATE KEY", der)))
        .isInstanceOf(KeyFormatException.class)
        .hasMessageContaining("does not match");
    byte[] matching = Sha256.unhex("3051020101300506032b657004220420" + RFC8032_SECRET + "812100" + RFC8032_PUBLIC);
    assertThat(SigningKey.fromPem(pem("PRIVATE KEY", matching)).verifyingKey().spkiDer())
        .endsWith(Sha256.unhex(RFC8032_PUBLIC));
    assertThat(seed).hasSize(32);
  }

  @Test
  void fromPem_publicKeyPem_pointsAtTheMistake() {
    SigningKey key = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
    assertThatThrownBy(() -> SigningKey.fromPem(key.verifyingKey().toSpkiPem()))
        .isInstanceOf(KeyFormatException.class)
        .hasMessageContaining("found `PUBLIC KEY`");
    assertThatThrownBy(() -> VerifyingKey.fromPem(key.exportPkcs8PemDangerously()))
        .isInstanceOf(KeyFormatException.class)
        .hasMessageContaining("found `PRIVATE KEY`")
        .hasMessageContaining("never distribute");
  }

  @Test
  void load_prefixesTheFileName() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.key"), "nope");
    assertThatThrownBy(() -> SigningKey.load(bad)).isInstanceOf(KeyFormatException.class).hasMessageStartingWith(bad.toString());
  }

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void signAndVerify_areThreadSafe(KeyAlgorithm alg) throws Exception {
    SigningKey key = SigningKey.generate(alg, new SecureRandom());
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> futures =
          IntStream.range(0, 8)
              .mapToObj(t -> pool.submit((Runnable) () -> {
                for (int i = 0; i < 50; i++) {
                  byte[] m = ("m" + t + "/" + i).getBytes(US_ASCII);
                  byte[] s = key.sign(m);
                  assertThatCode(() -> key.verifyingKey().verify(m, s)).doesNotThrowAnyException();
                  assertThatThrownBy(() -> key.verifyingKey().verify(MESSAGE, s)).isInstanceOf(SignatureVerificationException.class);
                }
              }))
              .<Future<?>>map(f -> f)
              .toList();
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
