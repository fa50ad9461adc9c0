package dev.arbiter.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.crypto.DomainSeparation;
import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.Sha256;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.core.policy.BundleVerificationException.Reason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each test applies one tampering to a validly signed example bundle and expects one refusal. */
class SignedBundlesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static SigningKey policyKey;
  private static Set<VerifyingKey> trusted;
  private static PolicyBundle example;
  private static byte[] signed;

  @TempDir Path dir;

  @BeforeAll
  static void sign() throws Exception {
    policyKey = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);
    trusted = Set.of(policyKey.verifyingKey());
    example = PolicyBundles.loadDirectory(TestBundles.examplePolicy());
    signed = SignedBundles.sign(example, policyKey);
  }

  private Path write(byte[] bytes) throws Exception {
    Path f = dir.resolve("bundle.signed.json");
    Files.write(f, bytes);
    return f;
  }

  private static byte[] tamper(Consumer<ObjectNode> change) throws Exception {
    ObjectNode root = (ObjectNode) JSON.readTree(signed);
    change.accept(root);
    return CanonicalJson.encode(root);
  }

  private void assertRefused(byte[] file, Reason reason) throws Exception {
    Path f = write(file);
    assertThatThrownBy(() -> PolicyBundles.loadSigned(f, trusted))
        .isInstanceOfSatisfying(BundleVerificationException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  @Test
  void loadSigned_whenUntampered_compilesTheSameBundle() throws Exception {
    PolicyBundle loaded = PolicyBundles.loadSigned(write(signed), trusted);

    assertThat(loaded.hash()).isEqualTo(example.hash()).startsWith("sha256:");
    assertThat(loaded.version()).isEqualTo("2026.11.0");
    assertThat(loaded.gates()).hasSameSizeAs(example.gates());
    assertThat(JSON.readTree(signed).get("hash").asText()).isEqualTo(example.hash());
    assertThat(signed).isEqualTo(CanonicalJson.encode(JSON.readTree(signed)));
  }

  @Test
  void hash_isSha256OfCanonicalSource() {
    assertThat(example.hash()).isEqualTo(Sha256.prefixed(Sha256.digest(example.source().canonicalJson())));
  }

  @Test
  void loadSigned_whenSignatureRemoved_refusesAsUnsigned() throws Exception {
    assertRefused(tamper(r -> r.remove("signature")), Reason.UNSIGNED);
  }

  @Test
  void loadSigned_whenGateTextEdited_refusesAsHashMismatch() throws Exception {
    byte[] file = tamper(r -> {
      ObjectNode files = (ObjectNode) r.get("bundle").get("files");
      files.put("gates.yaml", files.get("gates.yaml").asText().replace("effect: deny", "effect: allow"));
    });
    Path f = write(file);

    assertThatThrownBy(() -> PolicyBundles.loadSigned(f, trusted))
        .isInstanceOfSatisfying(BundleVerificationException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reason.HASH_MISMATCH);
          assertThat(e.expected()).isEqualTo(example.hash());
          assertThat(e.found()).isNotEqualTo(example.hash()).startsWith("sha256:");
        });
  }

  @Test
  void loadSigned_whenContentAndHashBothReplaced_refusesAsBadSignature() throws Exception {
    byte[] file = tamper(r -> {
      ObjectNode bundle = (ObjectNode) r.get("bundle");
      ((ObjectNode) bundle.get("files")).put("gates.yaml", "gates: []\n");
      r.put("hash", Sha256.prefixed(Sha256.digest(CanonicalJson.encode(bundle))));
    });

    assertRefused(file, Reason.BAD_SIGNATURE);
  }

  @Test
  void loadSigned_whenSignatureBitFlipped_refusesAsBadSignature() throws Exception {
    byte[] file = tamper(r -> {
      ObjectNode sig = (ObjectNode) r.get("signature");
      byte[] s = Base64.getDecoder().decode(sig.get("value").asText());
      s[10] ^= 1;
      sig.put("value", Base64.getEncoder().encodeToString(s));
    });

    assertRefused(file, Reason.BAD_SIGNATURE);
  }

  @Test
  void loadSigned_whenSignedByUntrustedKey_refusesAsUnknownKey() throws Exception {
    SigningKey stranger = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);

    assertRefused(SignedBundles.sign(example, stranger), Reason.UNKNOWN_KEY);
  }

  @Test
  void loadSigned_whenKeyIdSwappedToTrustedKey_refusesAsBadSignature() throws Exception {
    SigningKey stranger = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);
    byte[] byStranger = SignedBundles.sign(example, stranger);
    ObjectNode root = (ObjectNode) JSON.readTree(byStranger);
    ((ObjectNode) root.get("signature")).put("key_id", policyKey.keyId().value());

    assertRefused(CanonicalJson.encode(root), Reason.BAD_SIGNATURE);
  }

  @Test
  void loadSigned_whenSignedUnderAnotherContext_refusesAsBadSignature() throws Exception {
    byte[] wrongContext = policyKey.sign(DomainSeparation.signingInput("arbiter-approval-v1", example.source().canonicalJson()));
    byte[] file = tamper(r -> ((ObjectNode) r.get("signature")).put("value", Base64.getEncoder().encodeToString(wrongContext)));

    assertRefused(file, Reason.BAD_SIGNATURE);
  }

  @Test
  void loadSigned_whenAlgorithmClaimsEcdsa_refusesAsWrongAlgorithm() throws Exception {
    assertRefused(tamper(r -> ((ObjectNode) r.get("signature")).put("algorithm", "ecdsa-p256")), Reason.WRONG_ALGORITHM);
  }

  @Test
  void loadSigned_whenExtraFileSmuggledIntoBundle_refusesAsMalformed() throws Exception {
    assertRefused(tamper(r -> ((ObjectNode) r.get("bundle").get("files")).put("extra.yaml", "x: 1")), Reason.MALFORMED);
  }

  @Test
  void loadSigned_whenUnknownTopLevelField_refusesAsMalformed() throws Exception {
    assertRefused(tamper(r -> r.put("fallback", "sha256:00")), Reason.MALFORMED);
  }

  @Test
  void loadSigned_whenDuplicateKey_refusesAsMalformed() throws Exception {
    String text = new String(signed, StandardCharsets.UTF_8);
    byte[] dup = text.replaceFirst("\\{\"bundle\":", "{\"format\":\"x\",\"bundle\":").getBytes(StandardCharsets.UTF_8);

    assertRefused(dup, Reason.MALFORMED);
  }

  @Test
  void loadSigned_whenGivenAnUnsignedDirectoryFile_refusesAsMalformed() throws Exception {
    assertRefused(Files.readAllBytes(TestBundles.examplePolicy().resolve("bundle.yaml")), Reason.MALFORMED);
  }

  @Test
  void loadSigned_withNoTrustedKeys_refusesEverything() throws Exception {
    Path f = write(signed);
    assertThatThrownBy(() -> PolicyBundles.loadSigned(f, Set.of()))
        .isInstanceOfSatisfying(BundleVerificationException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_KEY));
  }

  @Test
  void sign_withEcdsaKey_isRejected() {
    SigningKey ecdsa = SigningKey.generate(KeyAlgorithm.ECDSA_P256, RANDOM);
    assertThatThrownBy(() -> SignedBundles.sign(example, ecdsa)).isInstanceOf(IllegalArgumentException.class);
  }
}
