package dev.arbiter.core.approval;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.approval.EnrolmentProofException.Reason;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.canonical.StrictJson;
import dev.arbiter.core.crypto.DomainSeparation;
import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.KeyId;
import dev.arbiter.core.crypto.SigningKey;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class EnrolmentProofTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Instant NOW = Instant.parse("2026-03-04T05:06:07Z");
  private static final KeyId KEY_ID = new KeyId("sha256:" + "ab".repeat(32));
  private static final EnrolmentStatement FIXED = new EnrolmentStatement("alice", KEY_ID, NOW);
  private static final String FIXED_CANONICAL =
      "{\"issued_at\":\"2026-03-04T05:06:07Z\",\"key_id\":\"sha256:" + "ab".repeat(32) + "\",\"subject\":\"alice\"}";

  @Test
  void signingInput_isTheEnrolContextZeroByteCanonicalJson_knownAnswer() {
    assertThat(new String(CanonicalJson.encode(FIXED.toJson()), UTF_8)).isEqualTo(FIXED_CANONICAL);
    assertThat(FIXED.signingInput()).isEqualTo(("arbiter-key-enrol-v1\0" + FIXED_CANONICAL).getBytes(UTF_8));
    assertThat(FIXED.signingInput()).isEqualTo(DomainSeparation.signingInput("arbiter-key-enrol-v1", FIXED_CANONICAL.getBytes(UTF_8)));
  }

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void aProofSignedByTheKey_forTheCaller_inTheWindow_verifies(KeyAlgorithm alg) throws Exception {
    SigningKey key = SigningKey.generate(alg, RANDOM);
    EnrolmentProof proof = proof(key, "alice", NOW);
    assertThatCode(() -> proof.verify(key.verifyingKey(), "alice", NOW)).doesNotThrowAnyException();
    assertThatCode(() -> proof.verify(key.verifyingKey(), "alice", NOW.plus(EnrolmentProof.WINDOW))).doesNotThrowAnyException();
    assertThatCode(() -> proof.verify(key.verifyingKey(), "alice", NOW.minus(EnrolmentProof.WINDOW))).doesNotThrowAnyException();
    // the wire form round-trips to the same signed bytes
    EnrolmentProof back = EnrolmentProof.fromJson(StrictJson.parse(proof.toJson().toString().getBytes(UTF_8)));
    assertThatCode(() -> back.verify(key.verifyingKey(), "alice", NOW)).doesNotThrowAnyException();
  }

  @Test
  void verify_whenSignedForAnotherSubject_throwsSubjectMismatch() {
    SigningKey key = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);
    assertReason(() -> proof(key, "mallory", NOW).verify(key.verifyingKey(), "alice", NOW), Reason.SUBJECT_MISMATCH);
  }

  @Test
  void verify_whenIssuedBeforeTheWindow_throwsStale() {
    SigningKey key = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);
    EnrolmentProof old = proof(key, "alice", NOW.minus(EnrolmentProof.WINDOW).minusSeconds(1));
    assertReason(() -> old.verify(key.verifyingKey(), "alice", NOW), Reason.STALE);
  }

  @Test
  void verify_whenIssuedAfterTheWindow_throwsFromFuture() {
    SigningKey key = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);
    EnrolmentProof ahead = proof(key, "alice", NOW.plus(EnrolmentProof.WINDOW).plusSeconds(1));
    assertReason(() -> ahead.verify(key.verifyingKey(), "alice", NOW), Reason.FROM_FUTURE);
  }

  @Test
  void verify_whenTheStatementNamesAnotherKey_throwsKeyMismatch() {
    SigningKey key = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);
    SigningKey other = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);
    assertReason(() -> proof(key, "alice", NOW).verify(other.verifyingKey(), "alice", NOW), Reason.KEY_MISMATCH);
  }

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void verify_whenTheSignatureIsTampered_throwsBadSignature(KeyAlgorithm alg) throws Exception {
    SigningKey key = SigningKey.generate(alg, RANDOM);
    ObjectNode json = proof(key, "alice", NOW).toJson();
    byte[] sig = Base64.getDecoder().decode(json.get("signature").asText());
    sig[sig.length - 1] ^= 1;
    json.put("signature", Base64.getEncoder().encodeToString(sig));
    assertReason(() -> EnrolmentProof.fromJson(json).verify(key.verifyingKey(), "alice", NOW), Reason.BAD_SIGNATURE);
  }

  @Test
  void verify_whenAnApprovalContextSignatureIsOffered_throwsBadSignature() {
    SigningKey key = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);
    EnrolmentStatement st = new EnrolmentStatement("alice", key.keyId(), NOW);
    byte[] wrongContext = key.sign(DomainSeparation.signingInput("arbiter-approval-v1", CanonicalJson.encode(st.toJson())));
    ObjectNode json = EnrolmentProof.sign(st, key).toJson().put("signature", Base64.getEncoder().encodeToString(wrongContext));
    assertReason(() -> EnrolmentProof.fromJson(json).verify(key.verifyingKey(), "alice", NOW), Reason.BAD_SIGNATURE);
  }

  @Test
  void fromJson_whenAbsent_throwsMissing() {
    assertReason(() -> EnrolmentProof.fromJson(null), Reason.MISSING);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "\"a string\"",
      "{}",
      "{\"statement\": {}, \"signature\": \"AA==\"}",
      "{\"statement\": {\"subject\": \"alice\", \"key_id\": \"sha256:00\", \"issued_at\": \"2026-03-04T05:06:07Z\"}, \"signature\": \"AA==\"}",
      "{\"statement\": {\"subject\": \"alice\", \"key_id\": \"KEY\", \"issued_at\": \"2026-03-04T05:06:07+00:00\"}, \"signature\": \"AA==\"}",
      "{\"statement\": {\"subject\": \"alice\", \"key_id\": \"KEY\", \"issued_at\": \"2026-03-04T05:06:07Z\", \"x\": 1}, \"signature\": \"AA==\"}",
      "{\"statement\": {\"subject\": 7, \"key_id\": \"KEY\", \"issued_at\": \"2026-03-04T05:06:07Z\"}, \"signature\": \"AA==\"}",
      "{\"statement\": {\"subject\": \"alice\", \"key_id\": \"KEY\", \"issued_at\": \"2026-03-04T05:06:07Z\"}, \"signature\": \"not base64!\"}",
      "{\"statement\": {\"subject\": \"alice\", \"key_id\": \"KEY\", \"issued_at\": \"2026-03-04T05:06:07Z\"}, \"signature\": \"\"}",
      "{\"statement\": {\"subject\": \"alice\", \"key_id\": \"KEY\", \"issued_at\": \"2026-03-04T05:06:07Z\"}, \"signature\": \"AA==\", \"more\": 1}",
  })
  void fromJson_whenMalformed_throwsMalformed(String json) {
    JsonNode node = StrictJson.parse(json.replace("KEY", KEY_ID.value()).getBytes(UTF_8));
    assertReason(() -> EnrolmentProof.fromJson(node), Reason.MALFORMED);
  }

  @Test
  void toString_showsNoSignature() {
    SigningKey key = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);
    EnrolmentProof proof = proof(key, "alice", NOW);
    assertThat(proof.toString()).contains(key.keyId().value())
        .doesNotContain(proof.toJson().get("signature").asText());
  }

  private static EnrolmentProof proof(SigningKey key, String subject, Instant at) {
    return EnrolmentProof.sign(new EnrolmentStatement(subject, key.keyId(), at), key);
  }

  private static void assertReason(ThrowingCallable call, Reason reason) {
    assertThatThrownBy(call).isInstanceOfSatisfying(EnrolmentProofException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }
}
