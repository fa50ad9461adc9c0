package dev.arbiter.core.crypto;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Keys and signatures cross the boundary with OpenSSL in both directions. */
class OpensslInteropTest {
  private static final byte[] MESSAGE = "arbiter-approval-v1\0{\"decision_id\":\"dec_01\"}".getBytes(US_ASCII);

  @TempDir Path dir;

  @BeforeEach
  void requireOpenssl() {
    Openssl.assumeAvailable();
  }

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void ourPem_isReadByOpenssl(KeyAlgorithm alg) throws Exception {
    SigningKey key = SigningKey.generate(alg, new SecureRandom());
    Path priv = Files.writeString(dir.resolve("k.key"), key.exportPkcs8PemDangerously());
    Path pub = Files.writeString(dir.resolve("k.pub"), key.verifyingKey().toSpkiPem());

    Openssl.ok("pkey", "-in", priv.toString(), "-noout");
    Openssl.ok("pkey", "-pubin", "-in", pub.toString(), "-noout");
    // openssl derives the same public key from our private key
    byte[] derived = Openssl.ok("pkey", "-in", priv.toString(), "-pubout", "-outform", "DER");
    assertThat(derived).isEqualTo(key.verifyingKey().spkiDer());
    assertKeyIdMatchesOpenssl(pub, key.keyId());
  }

  @Test
  void opensslEd25519Key_loadsSignsAndVerifiesBothWays() throws Exception {
    Path priv = dir.resolve("ed.key");
    Path pub = dir.resolve("ed.pub");
    Path msg = Files.write(dir.resolve("msg"), MESSAGE);
    Openssl.ok("genpkey", "-algorithm", "ed25519", "-out", priv.toString());
    Openssl.ok("pkey", "-in", priv.toString(), "-pubout", "-out", pub.toString());

    SigningKey key = SigningKey.load(priv);
    VerifyingKey verifyingKey = VerifyingKey.load(pub);
    assertThat(key.algorithm()).isEqualTo(KeyAlgorithm.ED25519);
    assertThat(verifyingKey).isEqualTo(key.verifyingKey());
    assertKeyIdMatchesOpenssl(pub, key.keyId());
    // our export of an openssl key is byte-identical to what openssl wrote
    assertThat(key.exportPkcs8PemDangerously()).isEqualTo(Files.readString(priv));
    assertThat(verifyingKey.toSpkiPem()).isEqualTo(Files.readString(pub));

    Path opensslSig = dir.resolve("openssl.sig");
    Openssl.ok("pkeyutl", "-sign", "-inkey", priv.toString(), "-rawin", "-in", msg.toString(), "-out", opensslSig.toString());
    byte[] theirs = Files.readAllBytes(opensslSig);
    verifyingKey.verify(MESSAGE, theirs);
    assertThat(key.sign(MESSAGE)).isEqualTo(theirs); // Ed25519 is deterministic

    Path ourSig = Files.write(dir.resolve("ours.sig"), key.sign(MESSAGE));
    Openssl.ok("pkeyutl", "-verify", "-pubin", "-inkey", pub.toString(), "-rawin", "-in", msg.toString(), "-sigfile", ourSig.toString());
    Files.write(msg, "tampered".getBytes(US_ASCII));
    assertThat(
            Openssl.run("pkeyutl", "-verify", "-pubin", "-inkey", pub.toString(), "-rawin", "-in", msg.toString(), "-sigfile", ourSig.toString())
                .exitCode())
        .isNotZero();
  }

  @Test
  void opensslP256Key_loadsSignsAndVerifiesBothWays() throws Exception {
    Path priv = dir.resolve("ec.key");
    Path pub = dir.resolve("ec.pub");
    Path msg = Files.write(dir.resolve("msg"), MESSAGE);
    Openssl.shellOk(
        "/usr/bin/openssl ecparam -name prime256v1 -genkey | /usr/bin/openssl pkcs8 -topk8 -nocrypt -out '" + priv + "'");
    Openssl.ok("pkey", "-in", priv.toString(), "-pubout", "-out", pub.toString());

    SigningKey key = SigningKey.load(priv);
    VerifyingKey verifyingKey = VerifyingKey.load(pub);
    assertThat(key.algorithm()).isEqualTo(KeyAlgorithm.ECDSA_P256);
    assertThat(verifyingKey).isEqualTo(key.verifyingKey());
    assertThat(verifyingKey.toSpkiPem()).isEqualTo(Files.readString(pub));
    assertKeyIdMatchesOpenssl(pub, key.keyId());

    Path opensslSig = dir.resolve("openssl.sig");
    Openssl.ok("dgst", "-sha256", "-sign", priv.toString(), "-out", opensslSig.toString(), msg.toString());
    verifyingKey.verify(MESSAGE, Files.readAllBytes(opensslSig));

    Path ourSig = Files.write(dir.resolve("ours.sig"), key.sign(MESSAGE));
    Openssl.ok("dgst", "-sha256", "-verify", pub.toString(), "-signature", ourSig.toString(), msg.toString());

    // and openssl reads our re-export of its key
    Path reexported = Files.writeString(dir.resolve("re.key"), key.exportPkcs8PemDangerously());
    Openssl.ok("pkey", "-in", reexported.toString(), "-noout");
  }

  @Test
  void opensslKeysOnOtherCurvesOrAlgorithms_areRefusedByName() throws Exception {
    Path p384 = dir.resolve("p384.key");
    Openssl.shellOk("/usr/bin/openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out '" + p384 + "'");
    assertThatThrownBy(() -> SigningKey.load(p384))
        .isInstanceOf(KeyFormatException.class)
        .hasMessageContaining("P-384")
        .hasMessageContaining("only P-256");

    Path ed448 = dir.resolve("ed448.key");
    Openssl.ok("genpkey", "-algorithm", "ed448", "-out", ed448.toString());
    assertThatThrownBy(() -> SigningKey.load(ed448)).isInstanceOf(KeyFormatException.class).hasMessageContaining("Ed448");

    Path sec1 = dir.resolve("sec1.key");
    Openssl.ok("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", sec1.toString());
    assertThatThrownBy(() -> SigningKey.load(sec1))
        .isInstanceOf(KeyFormatException.class)
        .hasMessageContaining("EC PRIVATE KEY")
        .hasMessageContaining("pkcs8");
  }

  private void assertKeyIdMatchesOpenssl(Path pub, KeyId keyId) throws Exception {
    String sha256sum =
        new String(Openssl.shellOk("/usr/bin/openssl pkey -pubin -in '" + pub + "' -outform DER | sha256sum"), US_ASCII);
    assertThat(keyId.value()).isEqualTo("sha256:" + sha256sum.substring(0, 64));
  }
}
