package dev.arbiter.core.crypto;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SmallTypesTest {

  @Test
  void keyAlgorithm_wireNames() {
    assertThat(KeyAlgorithm.fromWireName("ed25519")).isEqualTo(KeyAlgorithm.ED25519);
    assertThat(KeyAlgorithm.fromWireName("ecdsa-p256")).isEqualTo(KeyAlgorithm.ECDSA_P256);
    assertThat(KeyAlgorithm.ECDSA_P256.wireName()).isEqualTo("ecdsa-p256");
    assertThatThrownBy(() -> KeyAlgorithm.fromWireName("Ed25519"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("accepted: ed25519, ecdsa-p256");
  }

  @Test
  void keyId_validatesFormat() {
    String hex = "a".repeat(64);
    assertThat(new KeyId("sha256:" + hex).value()).isEqualTo("sha256:" + hex);
    assertThat(new KeyId("sha256:" + hex)).hasToString("sha256:" + hex);
    for (String bad : new String[] {hex, "sha256:" + "A".repeat(64), "sha256:" + "a".repeat(63), "sha512:" + hex, "sha256:" + hex + "0", ""}) {
      assertThatThrownBy(() -> new KeyId(bad)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64 lowercase hex");
    }
    assertThat(KeyId.of("abc".getBytes(US_ASCII)).value())
        .isEqualTo("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void sha256_knownAnswersAndConcatenation() {
    assertThat(Sha256.hex(Sha256.digest(new byte[0])))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    byte[] ab = Sha256.digest("ab".getBytes(US_ASCII), "c".getBytes(US_ASCII));
    assertThat(ab).isEqualTo(Sha256.digest("abc".getBytes(US_ASCII)));
    assertThat(Sha256.prefixed(ab)).isEqualTo("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assertThatThrownBy(() -> Sha256.prefixed(new byte[31])).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void hex_roundTripsAndRejectsBadInput() {
    byte[] bytes = {0, 1, (byte) 0xab, (byte) 0xff};
    assertThat(Sha256.hex(bytes)).isEqualTo("0001abff");
    assertThat(Sha256.unhex("0001abff")).isEqualTo(bytes);
    assertThat(Sha256.unhex("0001ABFF")).isEqualTo(bytes);
    assertThatThrownBy(() -> Sha256.unhex("abc")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("odd");
    assertThatThrownBy(() -> Sha256.unhex("zz")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void signingInput_isContextZeroPayload() {
    byte[] input = DomainSeparation.signingInput("arbiter-approval-v1", "{\"a\":1}".getBytes(US_ASCII));
    assertThat(input).isEqualTo("arbiter-approval-v1\0{\"a\":1}".getBytes(US_ASCII));
    assertThat(DomainSeparation.signingInput("arbiter-checkpoint-v12", new byte[0])).isEqualTo("arbiter-checkpoint-v12\0".getBytes(US_ASCII));
    assertThat(DomainSeparation.signingInput("a.b-v1", new byte[0])).hasSize(7);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "arbiter-approval", "Arbiter-approval-v1", "arbiter approval-v1", "1arbiter-v1", "arbiter-approval-v", "arbiter-approval-v1\0", "arbiter_approval-v1", "-v1", "arbiter-approval-V1"})
  void signingInput_rejectsMalformedContext(String context) {
    assertThatThrownBy(() -> DomainSeparation.signingInput(context, new byte[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[a-z][a-z0-9.-]*-v[0-9]+");
  }

  @Test
  void signingInput_separatesContexts() throws Exception {
    SigningKey key = SigningKey.generate(KeyAlgorithm.ED25519, new java.security.SecureRandom());
    byte[] payload = "{\"tree_size\":1}".getBytes(US_ASCII);
    byte[] signature = key.sign(DomainSeparation.signingInput("arbiter-approval-v1", payload));
    assertThatThrownBy(() -> key.verifyingKey().verify(DomainSeparation.signingInput("arbiter-checkpoint-v1", payload), signature))
        .isInstanceOf(SignatureVerificationException.class);
  }
}
