package dev.arbiter.core.approval;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.canonical.StrictJson;
import dev.arbiter.core.crypto.DomainSeparation;
import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SignatureVerificationException;
import dev.arbiter.core.crypto.SigningKey;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ChallengeTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private static final String POLICY_HASH = "sha256:" + "ab".repeat(32);
  private static final String NONCE = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA";
  private static final Challenge FIXED =
      new Challenge("dec_01J0ABCDEFGHJKMNPQRSTVWXYZ", Challenge.APPROVE, Instant.parse("2026-03-04T05:06:07Z"), NONCE,
          300, POLICY_HASH);

  /** Hand-written RFC 8785 form of {@link #FIXED}: members sorted by name, no whitespace. */
  private static final String FIXED_CANONICAL = "{\"decision_id\":\"dec_01J0ABCDEFGHJKMNPQRSTVWXYZ\","
      + "\"intent\":\"approve\",\"issued_at\":\"2026-03-04T05:06:07Z\",\"nonce\":\"" + NONCE + "\","
      + "\"policy_hash\":\"" + POLICY_HASH + "\",\"ttl_seconds\":300}";

  // ---- JSON round trip ------------------------------------------------------------------------

  @Test
  void toJson_hasExactlyTheSixWireFields() {
    ObjectNode json = FIXED.toJson();
    List<String> names = new java.util.ArrayList<>();
    json.fieldNames().forEachRemaining(names::add);
    assertThat(names).containsExactlyInAnyOrder("decision_id", "intent", "issued_at", "nonce", "ttl_seconds", "policy_hash");
    assertThat(json.get("ttl_seconds").isIntegralNumber()).isTrue();
    assertThat(json.get("ttl_seconds").longValue()).isEqualTo(300);
    assertThat(json.get("issued_at").asText()).isEqualTo("2026-03-04T05:06:07Z");
  }

  @Test
  void fromJson_ofToJson_isTheSameChallenge() {
    assertThat(Challenge.fromJson(FIXED.toJson())).isEqualTo(FIXED);
  }

  @Test
  void roundTrip_throughCanonicalBytesAndStrictParse_isIdentical() {
    Challenge c = new Challenge("dec_x", Challenge.REJECT, Instant.parse("2026-03-04T05:06:07.123456789Z"), "n", 1,
        POLICY_HASH);
    byte[] wire = CanonicalJson.encode(c.toJson());
    Challenge back = Challenge.fromJson(StrictJson.parse(wire));
    assertThat(back).isEqualTo(c);
    assertThat(back.signingInput()).isEqualTo(c.signingInput());
    assertThat(CanonicalJson.encode(back.toJson())).isEqualTo(wire);
  }

  @Test
  void expiresAt_isIssuedAtPlusTtl() {
    assertThat(FIXED.expiresAt()).isEqualTo(Instant.parse("2026-03-04T05:11:07Z"));
  }

  // ---- fromJson refusals ----------------------------------------------------------------------

  static Stream<String> fieldNames() {
    return Stream.of("decision_id", "intent", "issued_at", "nonce", "ttl_seconds", "policy_hash");
  }

  @ParameterizedTest
  @MethodSource("fieldNames")
  void fromJson_missingField_isRefused(String field) {
    ObjectNode json = FIXED.toJson();
    json.remove(field);
    assertThatThrownBy(() -> Challenge.fromJson(json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exactly the fields");
  }

  @ParameterizedTest
  @ValueSource(strings = {"signature", "Decision_id", "", "ttl"})
  void fromJson_extraField_isRefused(String extra) {
    ObjectNode json = FIXED.toJson();
    json.put(extra, "x");
    assertThatThrownBy(() -> Challenge.fromJson(json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exactly the fields")
        .hasMessageContaining(extra.isEmpty() ? "[, " : extra);
  }

  @Test
  void fromJson_renamedField_isRefused() {
    ObjectNode json = FIXED.toJson();
    json.set("ttl", json.remove("ttl_seconds"));
    assertThatThrownBy(() -> Challenge.fromJson(json)).isInstanceOf(IllegalArgumentException.class);
  }

  static Stream<Arguments> wrongTypes() {
    return Stream.of(
        Arguments.of("decision_id", F.numberNode(1)),
        Arguments.of("decision_id", F.nullNode()),
        Arguments.of("intent", F.booleanNode(true)),
        Arguments.of("issued_at", F.numberNode(1767225600L)),
        Arguments.of("nonce", F.arrayNode().add("a")),
        Arguments.of("policy_hash", F.objectNode()),
        Arguments.of("ttl_seconds", F.textNode("300")),
        Arguments.of("ttl_seconds", F.numberNode(300.0)),
        Arguments.of("ttl_seconds", F.numberNode(1.5)),
        Arguments.of("ttl_seconds", F.nullNode()),
        Arguments.of("ttl_seconds", F.booleanNode(true)),
        Arguments.of("ttl_seconds", F.numberNode(new java.math.BigInteger("99999999999999999999"))));
  }

  @ParameterizedTest
  @MethodSource("wrongTypes")
  void fromJson_wrongType_isRefusedNamingTheField(String field, JsonNode value) {
    ObjectNode json = FIXED.toJson();
    json.set(field, value);
    assertThatThrownBy(() -> Challenge.fromJson(json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("challenge." + field);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "yesterday", "2026-03-04", "2026-03-04 05:06:07Z", "2026-13-04T05:06:07Z",
      "2026-02-30T05:06:07Z", "2026-03-04T25:06:07Z", "2026-03-04T05:06:07", "1772600767",
      // parseable by Instant.parse, but not the text the engine issued: accepting them would make the
      // signing input differ from the echoed bytes
      "2026-03-04T06:06:07+01:00", "2026-03-04t05:06:07z", "2026-03-04T05:06:07.000Z", "+2026-03-04T05:06:07Z"})
  void fromJson_badOrNonCanonicalTimestamp_isRefused(String issuedAt) {
    ObjectNode json = FIXED.toJson();
    json.put("issued_at", issuedAt);
    assertThatThrownBy(() -> Challenge.fromJson(json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("issued_at");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "APPROVE", "Approve", "allow", "approve ", "deny", "approved"})
  void fromJson_badIntent_isRefused(String intent) {
    ObjectNode json = FIXED.toJson();
    json.put("intent", intent);
    assertThatThrownBy(() -> Challenge.fromJson(json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("intent");
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1, Long.MIN_VALUE})
  void fromJson_nonPositiveTtl_isRefused(long ttl) {
    ObjectNode json = FIXED.toJson();
    json.put("ttl_seconds", ttl);
    assertThatThrownBy(() -> Challenge.fromJson(json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ttl_seconds");
  }

  @Test
  void fromJson_rejectIntent_isAccepted() {
    ObjectNode json = FIXED.toJson();
    json.put("intent", "reject");
    assertThat(Challenge.fromJson(json).intent()).isEqualTo(Challenge.REJECT);
  }

  @Test
  void fromJson_notAnObject_isRefused() {
    assertThatThrownBy(() -> Challenge.fromJson(null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Challenge.fromJson(F.nullNode())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Challenge.fromJson(F.arrayNode().add(FIXED.toJson())))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Challenge.fromJson(F.textNode(FIXED.toJson().toString())))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void constructor_refusesNullsAndBadValues() {
    Instant t = FIXED.issuedAt();
    assertThatThrownBy(() -> new Challenge(null, "approve", t, NONCE, 1, POLICY_HASH)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new Challenge("d", null, t, NONCE, 1, POLICY_HASH)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new Challenge("d", "approve", null, NONCE, 1, POLICY_HASH)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new Challenge("d", "approve", t, null, 1, POLICY_HASH)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new Challenge("d", "approve", t, NONCE, 1, null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new Challenge("d", "maybe", t, NONCE, 1, POLICY_HASH)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Challenge("d", "approve", t, NONCE, 0, POLICY_HASH)).isInstanceOf(IllegalArgumentException.class);
  }

  // ---- signing input: known answer ------------------------------------------------------------

  @Test
  void canonicalJson_ofFixedChallenge_isTheHandWrittenString() {
    assertThat(new String(CanonicalJson.encode(FIXED.toJson()), UTF_8)).isEqualTo(FIXED_CANONICAL);
  }

  @Test
  void signingInput_isContextZeroByteCanonicalJson_knownAnswer() {
    byte[] expected = concat("arbiter-approval-v1".getBytes(UTF_8), new byte[] {0}, FIXED_CANONICAL.getBytes(UTF_8));
    assertThat(FIXED.signingInput()).isEqualTo(expected);
    assertThat(FIXED.signingInput())
        .isEqualTo(DomainSeparation.signingInput("arbiter-approval-v1", FIXED_CANONICAL.getBytes(UTF_8)));
    assertThat(Challenge.CONTEXT).isEqualTo("arbiter-approval-v1");
    // the first 0x00 ends the context
    int zero = indexOf(FIXED.signingInput(), (byte) 0);
    assertThat(zero).isEqualTo("arbiter-approval-v1".length());
    assertThat(indexOf(Arrays.copyOfRange(FIXED.signingInput(), zero + 1, expected.length), (byte) 0)).isEqualTo(-1);
  }

  @Test
  void signingInput_hexKnownAnswer_forTheHeader() {
    // "arbiter-approval-v1" 00 "{" in hex, so a byte-level regression cannot hide behind shared helpers
    String hex = HexFormat.of().formatHex(Arrays.copyOf(FIXED.signingInput(), 21));
    assertThat(hex).isEqualTo("617262697465722d617070726f76616c2d7631" + "00" + "7b");
  }

  @Test
  void signingInput_isIndependentOfJsonMemberOrderOnTheWire() {
    String reordered = "{\"ttl_seconds\":300,\"policy_hash\":\"" + POLICY_HASH + "\",\"nonce\":\"" + NONCE
        + "\",\"issued_at\":\"2026-03-04T05:06:07Z\",\"intent\":\"approve\",\"decision_id\":\"dec_01J0ABCDEFGHJKMNPQRSTVWXYZ\"}";
    assertThat(Challenge.fromJson(StrictJson.parse(reordered.getBytes(UTF_8))).signingInput())
        .isEqualTo(FIXED.signingInput());
  }

  @Test
  void signingInput_approveAndReject_differ() {
    Challenge reject = new Challenge(FIXED.decisionId(), Challenge.REJECT, FIXED.issuedAt(), NONCE, 300, POLICY_HASH);
    assertThat(reject.signingInput()).isNotEqualTo(FIXED.signingInput());
  }

  /** RFC 8032 §7.1 TEST 1 secret key, PKCS#8-wrapped (RFC 8410). */
  private static final String RFC8032_PKCS8_HEX =
      "302e020100300506032b657004220420" + "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

  /**
   * Ed25519 is deterministic: the signature of {@link #FIXED} under the RFC 8032 TEST 1 key, computed
   * independently with {@code openssl pkeyutl -sign -rawin} over the hand-written signing input.
   */
  private static final String FIXED_SIGNATURE_HEX = "36c060c776e65f73cc90c29d5563bb797437076bd6e79211faffbacecf5a71ea"
      + "7ac0a9503b7fb26511b40ceacec4da32a967678e6355ae70d3b4c1a4cab2540b";

  @Test
  void ed25519Signature_ofFixedChallenge_knownAnswerFromOpenssl() throws Exception {
    byte[] der = HexFormat.of().parseHex(RFC8032_PKCS8_HEX);
    String pem = "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getEncoder().encodeToString(der)
        + "\n-----END PRIVATE KEY-----\n";
    SigningKey key = SigningKey.fromPem(pem);
    assertThat(HexFormat.of().formatHex(key.sign(FIXED.signingInput()))).isEqualTo(FIXED_SIGNATURE_HEX);
    key.verifyingKey().verify(FIXED.signingInput(), HexFormat.of().parseHex(FIXED_SIGNATURE_HEX));
  }

  // ---- signatures -----------------------------------------------------------------------------

  static Stream<UnaryOperator<Challenge>> singleFieldChanges() {
    return Stream.of(
        c -> new Challenge(c.decisionId() + "x", c.intent(), c.issuedAt(), c.nonce(), c.ttlSeconds(), c.policyHash()),
        c -> new Challenge(c.decisionId(), Challenge.REJECT, c.issuedAt(), c.nonce(), c.ttlSeconds(), c.policyHash()),
        c -> new Challenge(c.decisionId(), c.intent(), c.issuedAt().plusSeconds(1), c.nonce(), c.ttlSeconds(), c.policyHash()),
        c -> new Challenge(c.decisionId(), c.intent(), c.issuedAt().plusNanos(1_000_000), c.nonce(), c.ttlSeconds(), c.policyHash()),
        c -> new Challenge(c.decisionId(), c.intent(), c.issuedAt(), "r" + c.nonce().substring(1), c.ttlSeconds(), c.policyHash()),
        c -> new Challenge(c.decisionId(), c.intent(), c.issuedAt(), c.nonce(), c.ttlSeconds() + 1, c.policyHash()),
        c -> new Challenge(c.decisionId(), c.intent(), c.issuedAt(), c.nonce(), c.ttlSeconds(), "sha256:" + "cd".repeat(32)));
  }

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void signature_overSigningInput_verifies_andFailsAfterAnySingleFieldChange(KeyAlgorithm alg) {
    SigningKey key = SigningKey.generate(alg, RANDOM);
    byte[] signature = key.sign(FIXED.signingInput());
    assertThatCode(() -> key.verifyingKey().verify(FIXED.signingInput(), signature)).doesNotThrowAnyException();
    // also after the challenge went over the wire and back
    Challenge echoed = Challenge.fromJson(StrictJson.parse(CanonicalJson.encode(FIXED.toJson())));
    assertThatCode(() -> key.verifyingKey().verify(echoed.signingInput(), signature)).doesNotThrowAnyException();

    List<UnaryOperator<Challenge>> changes = singleFieldChanges().toList();
    for (UnaryOperator<Challenge> change : changes) {
      Challenge changed = change.apply(FIXED);
      assertThat(changed).isNotEqualTo(FIXED);
      assertThatThrownBy(() -> key.verifyingKey().verify(changed.signingInput(), signature))
          .isInstanceOf(SignatureVerificationException.class);
    }
  }

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void signature_overBareCanonicalJson_doesNotVerifyAsAnApproval(KeyAlgorithm alg) {
    SigningKey key = SigningKey.generate(alg, RANDOM);
    byte[] bare = key.sign(FIXED_CANONICAL.getBytes(UTF_8));
    byte[] otherContext = key.sign(DomainSeparation.signingInput("arbiter-checkpoint-v1", FIXED_CANONICAL.getBytes(UTF_8)));
    assertThatThrownBy(() -> key.verifyingKey().verify(FIXED.signingInput(), bare))
        .isInstanceOf(SignatureVerificationException.class);
    assertThatThrownBy(() -> key.verifyingKey().verify(FIXED.signingInput(), otherContext))
        .isInstanceOf(SignatureVerificationException.class);
  }

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void signature_byAnotherKey_doesNotVerify(KeyAlgorithm alg) {
    SigningKey key = SigningKey.generate(alg, RANDOM);
    SigningKey other = SigningKey.generate(alg, RANDOM);
    byte[] signature = other.sign(FIXED.signingInput());
    assertThatThrownBy(() -> key.verifyingKey().verify(FIXED.signingInput(), signature))
        .isInstanceOf(SignatureVerificationException.class);
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  private static int indexOf(byte[] bytes, byte b) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
