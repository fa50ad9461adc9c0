package dev.arbiter.core.grant;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.canonical.StrictJson;
import dev.arbiter.core.crypto.CompactJws;
import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.KeyId;
import dev.arbiter.core.crypto.Sha256;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.core.decision.Target;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class GrantCodecTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64URL_DEC = Base64.getUrlDecoder();

  private static final SigningKey ENGINE = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);
  private static final SigningKey ATTACKER = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);
  /** Another key the verifier trusts (e.g. the previous engine key during a rotation). */
  private static final SigningKey OTHER_TRUSTED = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);

  private static final Instant NOT_BEFORE = Instant.parse("2026-03-04T05:00:00Z");
  private static final Instant EXPIRES_AT = Instant.parse("2026-03-04T05:05:00Z");
  private static final Instant NOW = Instant.parse("2026-03-04T05:01:00Z");
  private static final Duration SKEW = Duration.ofSeconds(30);

  private static final Function<KeyId, Optional<VerifyingKey>> TRUSTED = trusting(ENGINE, OTHER_TRUSTED);

  static Function<KeyId, Optional<VerifyingKey>> trusting(SigningKey... keys) {
    Map<KeyId, VerifyingKey> byId = new java.util.HashMap<>();
    for (SigningKey k : keys) {
      byId.put(k.keyId(), k.verifyingKey());
    }
    return kid -> Optional.ofNullable(byId.get(kid));
  }

  static Grant grant(Instant notBefore, Instant expiresAt) {
    ObjectNode receipt = F.objectNode();
    receipt.put("leaf_index", 41);
    receipt.put("entry_hash", "ab".repeat(32));
    receipt.putArray("inclusion_proof").add("cd".repeat(32));
    receipt.putObject("checkpoint").put("size", 42).put("root", "ef".repeat(32));
    return new Grant("gnt_01J0ABCDEFGHJKMNPQRSTVWXYZ", "dec_01J0ABCDEFGHJKMNPQRSTVWXYZ", "deploy", "kubectl",
        new Target("service", "payments-api"), "production", Grant.payloadHash(F.objectNode().put("replicas", 3)),
        "sha256:" + "12".repeat(32), receipt, notBefore, expiresAt, "AAECAwQFBgcICQoLDA0ODw");
  }

  static final Grant GRANT = grant(NOT_BEFORE, EXPIRES_AT);

  static Grant verify(String compact) throws GrantRejectedException {
    return GrantCodec.verify(compact, TRUSTED, NOW, SKEW);
  }

  static void assertRejected(ThrowingCallable call, String code) {
    assertThatThrownBy(call)
        .isInstanceOf(GrantRejectedException.class)
        .satisfies(e -> assertThat(((GrantRejectedException) e).code()).as(e.getMessage()).isEqualTo(code));
  }

  static void assertRejected(String compact, String code) {
    assertRejected(() -> verify(compact), code);
    // the message never carries the grant
    try {
      verify(compact);
    } catch (GrantRejectedException e) {
      if (compact != null && compact.length() > 20) {
        String signature = compact.substring(compact.lastIndexOf('.') + 1);
        assertThat(e.getMessage()).doesNotContain(compact);
        if (signature.length() > 20) {
          assertThat(e.getMessage()).doesNotContain(signature);
        }
      }
    }
  }

  static String b64(String s) {
    return B64URL.encodeToString(s.getBytes(UTF_8));
  }

  static String engineHeader() {
    return "{\"alg\":\"EdDSA\",\"typ\":\"arbiter-grant+jwt\",\"kid\":\"" + ENGINE.keyId().value() + "\"}";
  }

  /** A compact JWS with a hand-written header and payload, signed (Ed25519 or ECDSA DER) by {@code key}. */
  static String handSigned(String headerJson, byte[] payload, SigningKey key) {
    String input = b64(headerJson) + "." + B64URL.encodeToString(payload);
    return input + "." + B64URL.encodeToString(key.sign(input.getBytes(UTF_8)));
  }

  static byte[] payload(ObjectNode claims) {
    return CanonicalJson.encode(claims);
  }

  // ---- round trip -----------------------------------------------------------------------------

  @Test
  void signThenVerify_returnsTheSameGrant() throws Exception {
    String compact = GrantCodec.sign(GRANT, ENGINE);
    assertThat(compact.split("\\.", -1)).hasSize(3);
    assertThat(verify(compact)).isEqualTo(GRANT);
  }

  @Test
  void signedGrant_hasTheDocumentedHeader_andCanonicalPayload() {
    String compact = GrantCodec.sign(GRANT, ENGINE);
    String[] parts = compact.split("\\.");
    JsonNode header = StrictJson.parse(B64URL_DEC.decode(parts[0]));
    assertThat(header.get("alg").asText()).isEqualTo("EdDSA");
    assertThat(header.get("typ").asText()).isEqualTo(GrantCodec.TYPE).isEqualTo("arbiter-grant+jwt");
    assertThat(header.get("kid").asText()).isEqualTo(ENGINE.keyId().value());
    assertThat(header.has("crit")).isFalse();
    assertThat(B64URL_DEC.decode(parts[1])).isEqualTo(CanonicalJson.encode(GRANT.toJson()));
    assertThat(B64URL_DEC.decode(parts[2])).hasSize(64);
  }

  @Test
  void verify_byOnlyTheEngineKey_needsNoPrivateKey() throws Exception {
    String compact = GrantCodec.sign(GRANT, ENGINE);
    VerifyingKey publicOnly = VerifyingKey.fromPem(ENGINE.verifyingKey().toSpkiPem());
    Grant g = GrantCodec.verify(compact, kid -> kid.equals(publicOnly.keyId()) ? Optional.of(publicOnly) : Optional.empty(),
        NOW, SKEW);
    assertThat(g).isEqualTo(GRANT);
  }

  @Test
  void toJson_hasExactlyTheTwelveClaims() {
    java.util.Set<String> names = new java.util.TreeSet<>();
    GRANT.toJson().fieldNames().forEachRemaining(names::add);
    assertThat(names).containsExactlyInAnyOrder("grant_id", "decision_id", "action_class", "tool", "target", "environment",
        "payload_hash", "policy_hash", "receipt", "not_before", "expires_at", "nonce");
    assertThat(GRANT.toJson().get("target").toString()).isEqualTo("{\"type\":\"service\",\"id\":\"payments-api\"}");
  }

  @Test
  void toJson_copiesTheReceipt() {
    ObjectNode json = GRANT.toJson();
    ((ObjectNode) json.get("receipt")).put("leaf_index", 0);
    assertThat(GRANT.receipt().get("leaf_index").asInt()).isEqualTo(41);
  }

  @Test
  void grant_refusesAnEmptyOrInvertedWindow() {
    assertThatThrownBy(() -> grant(NOT_BEFORE, NOT_BEFORE)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> grant(EXPIRES_AT, NOT_BEFORE)).isInstanceOf(IllegalArgumentException.class);
  }

  // ---- payload hash ---------------------------------------------------------------------------

  @Test
  void payloadHash_isSha256OfCanonicalJson() throws Exception {
    JsonNode payload = StrictJson.parse("{\"b\":1,\"a\":[true,null,\"x\"],\"c\":{\"z\":1.0,\"y\":1e2}}".getBytes(UTF_8));
    byte[] canonical = "{\"a\":[true,null,\"x\"],\"b\":1,\"c\":{\"y\":100,\"z\":1}}".getBytes(UTF_8);
    String expected = "sha256:" + java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
    assertThat(Grant.payloadHash(payload)).isEqualTo(expected).matches("sha256:[0-9a-f]{64}");
  }

  @Test
  void payloadHash_isIndependentOfKeyOrder() {
    JsonNode ba = StrictJson.parse("{\"b\":1,\"a\":2}".getBytes(UTF_8));
    JsonNode ab = StrictJson.parse("{\"a\":2,\"b\":1}".getBytes(UTF_8));
    assertThat(Grant.payloadHash(ba)).isEqualTo(Grant.payloadHash(ab));
    assertThat(Grant.payloadHash(ab)).isEqualTo(Sha256.prefixed(Sha256.digest("{\"a\":2,\"b\":1}".getBytes(UTF_8))));
  }

  @Test
  void payloadHash_knownAnswer_forTheEmptyObject() {
    // sha256("{}")
    assertThat(Grant.payloadHash(F.objectNode()))
        .isEqualTo("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  }

  @Test
  void payloadHash_differsForDifferentValues() {
    assertThat(Grant.payloadHash(F.objectNode().put("a", 2))).isNotEqualTo(Grant.payloadHash(F.objectNode().put("a", 3)));
    assertThat(Grant.payloadHash(F.objectNode().put("a", 2))).isNotEqualTo(Grant.payloadHash(F.objectNode().put("a", "2")));
  }

  // ---- validity window ------------------------------------------------------------------------

  @Test
  void expired_isRefused_afterTheSkew() {
    String compact = GrantCodec.sign(GRANT, ENGINE);
    assertRejected(() -> GrantCodec.verify(compact, TRUSTED, EXPIRES_AT.plus(SKEW), SKEW), "expired");
    assertRejected(() -> GrantCodec.verify(compact, TRUSTED, EXPIRES_AT.plus(SKEW).plusSeconds(3600), SKEW), "expired");
    assertRejected(() -> GrantCodec.verify(compact, TRUSTED, EXPIRES_AT, Duration.ZERO), "expired");
  }

  @Test
  void expired_withinTheSkew_isStillAccepted() throws Exception {
    String compact = GrantCodec.sign(GRANT, ENGINE);
    assertThat(GrantCodec.verify(compact, TRUSTED, EXPIRES_AT, SKEW)).isEqualTo(GRANT);
    assertThat(GrantCodec.verify(compact, TRUSTED, EXPIRES_AT.plus(SKEW).minusMillis(1), SKEW)).isEqualTo(GRANT);
    assertThat(GrantCodec.verify(compact, TRUSTED, EXPIRES_AT.minusMillis(1), Duration.ZERO)).isEqualTo(GRANT);
  }

  @Test
  void notYetValid_isRefused_beforeTheSkew() {
    String compact = GrantCodec.sign(GRANT, ENGINE);
    assertRejected(() -> GrantCodec.verify(compact, TRUSTED, NOT_BEFORE.minus(SKEW).minusMillis(1), SKEW), "not_yet_valid");
    assertRejected(() -> GrantCodec.verify(compact, TRUSTED, NOT_BEFORE.minusSeconds(3600), SKEW), "not_yet_valid");
    assertRejected(() -> GrantCodec.verify(compact, TRUSTED, NOT_BEFORE.minusMillis(1), Duration.ZERO), "not_yet_valid");
  }

  @Test
  void notYetValid_withinTheSkew_isAccepted() throws Exception {
    String compact = GrantCodec.sign(GRANT, ENGINE);
    assertThat(GrantCodec.verify(compact, TRUSTED, NOT_BEFORE.minus(SKEW), SKEW)).isEqualTo(GRANT);
    assertThat(GrantCodec.verify(compact, TRUSTED, NOT_BEFORE, Duration.ZERO)).isEqualTo(GRANT);
  }

  @Test
  void signatureIsCheckedBeforeTheWindow() {
    // an expired grant from an untrusted key says unknown_key, not expired: nothing about it is believed
    String forged = GrantCodec.sign(grant(NOT_BEFORE.minusSeconds(7200), EXPIRES_AT.minusSeconds(7200)), ATTACKER);
    assertRejected(forged, "unknown_key");
  }

  // ---- attacks on the header ------------------------------------------------------------------

  @Test
  void algNone_isMalformed_nimbusDoesNotParseAnUnsecuredObjectAsAJws() {
    String header = "{\"alg\":\"none\",\"typ\":\"arbiter-grant+jwt\",\"kid\":\"" + ENGINE.keyId().value() + "\"}";
    String body = B64URL.encodeToString(payload(GRANT.toJson()));
    assertRejected(b64(header) + "." + body + ".", "malformed");
    // also with a signature part that is a real engine signature (of another signing input)
    String real = GrantCodec.sign(GRANT, ENGINE);
    assertRejected(b64(header) + "." + body + "." + real.substring(real.lastIndexOf('.') + 1), "malformed");
    // and with the engine's signature over this very header and payload
    assertRejected(handSigned(header, payload(GRANT.toJson()), ENGINE), "malformed");
  }

  @Test
  void algNoneSpeltDifferently_isNotAllowed() {
    for (String alg : new String[] {"None", "NONE", "nOnE"}) {
      String header = "{\"alg\":\"" + alg + "\",\"typ\":\"arbiter-grant+jwt\",\"kid\":\"" + ENGINE.keyId().value() + "\"}";
      assertRejected(handSigned(header, payload(GRANT.toJson()), ENGINE), "algorithm_not_allowed");
    }
  }

  @Test
  void hs256_withThePublicKeyAsHmacSecret_isRefused() throws Exception {
    String header = "{\"alg\":\"HS256\",\"typ\":\"arbiter-grant+jwt\",\"kid\":\"" + ENGINE.keyId().value() + "\"}";
    String input = b64(header) + "." + B64URL.encodeToString(payload(GRANT.toJson()));
    for (byte[] secret : new byte[][] {ENGINE.verifyingKey().spkiDer(), ENGINE.verifyingKey().toSpkiPem().getBytes(UTF_8),
        java.util.Arrays.copyOfRange(ENGINE.verifyingKey().spkiDer(), 12, 44)}) {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      String token = input + "." + B64URL.encodeToString(mac.doFinal(input.getBytes(UTF_8)));
      assertRejected(token, "algorithm_not_allowed");
    }
  }

  @Test
  void es256Header_isRefused_evenWithAValidEcdsaSignatureByATrustedKey() {
    SigningKey p256 = SigningKey.generate(KeyAlgorithm.ECDSA_P256, RANDOM);
    String header = "{\"alg\":\"ES256\",\"typ\":\"arbiter-grant+jwt\",\"kid\":\"" + p256.keyId().value() + "\"}";
    String token = handSigned(header, payload(GRANT.toJson()), p256);
    assertRejected(() -> GrantCodec.verify(token, trusting(ENGINE, p256), NOW, SKEW), "algorithm_not_allowed");
  }

  @Test
  void eddsaHeader_withAnEcdsaSignatureByATrustedP256Key_isRefused() {
    // algorithm confusion: alg says EdDSA, but the kid selects a P-256 key and the signature is ECDSA.
    // A verifier whose key lookup also knows P-256 keys (approvers' keys) must not accept it.
    SigningKey p256 = SigningKey.generate(KeyAlgorithm.ECDSA_P256, RANDOM);
    String header = "{\"alg\":\"EdDSA\",\"typ\":\"arbiter-grant+jwt\",\"kid\":\"" + p256.keyId().value() + "\"}";
    String token = handSigned(header, payload(GRANT.toJson()), p256);
    assertRejected(() -> GrantCodec.verify(token, trusting(ENGINE, p256), NOW, SKEW), "algorithm_not_allowed");
  }

  @ParameterizedTest
  @ValueSource(strings = {"RS256", "PS256", "ES512", "Ed25519", "EDDSA", "eddsa", "ES256K"})
  void otherAlgorithms_areRefused(String alg) {
    String header = "{\"alg\":\"" + alg + "\",\"typ\":\"arbiter-grant+jwt\",\"kid\":\"" + ENGINE.keyId().value() + "\"}";
    assertRejected(handSigned(header, payload(GRANT.toJson()), ENGINE), "algorithm_not_allowed");
  }

  @Test
  void gatewayProofType_presentedAsAGrant_isWrongType() {
    String proof = CompactJws.sign("arbiter-gateway-proof+jwt", payload(GRANT.toJson()), ENGINE);
    assertRejected(proof, "wrong_type");
  }

  @ParameterizedTest
  @ValueSource(strings = {"JWT", "jwt", "ARBITER-GRANT+JWT", "arbiter-grant", "application/arbiter-grant+jwt", "arbiter-grant+jwt "})
  void otherTypes_areWrongType(String typ) {
    assertRejected(CompactJws.sign(typ, payload(GRANT.toJson()), ENGINE), "wrong_type");
  }

  @Test
  void missingType_isWrongType() {
    String header = "{\"alg\":\"EdDSA\",\"kid\":\"" + ENGINE.keyId().value() + "\"}";
    assertRejected(handSigned(header, payload(GRANT.toJson()), ENGINE), "wrong_type");
  }

  @Test
  void unknownKid_isUnknownKey() {
    assertRejected(GrantCodec.sign(GRANT, ATTACKER), "unknown_key");
  }

  @Test
  void wellFormedKidOfNoTrustedKey_isUnknownKey() {
    String kid = Sha256.prefixed(Sha256.digest("not a key".getBytes(UTF_8)));
    String header = "{\"alg\":\"EdDSA\",\"typ\":\"arbiter-grant+jwt\",\"kid\":\"" + kid + "\"}";
    assertRejected(handSigned(header, payload(GRANT.toJson()), ENGINE), "unknown_key");
  }

  @Test
  void kidOfAnotherTrustedKey_isBadSignature() {
    // signed by the engine key but naming the other trusted key: the kid selects, the signature decides
    String header = "{\"alg\":\"EdDSA\",\"typ\":\"arbiter-grant+jwt\",\"kid\":\"" + OTHER_TRUSTED.keyId().value() + "\"}";
    assertRejected(handSigned(header, payload(GRANT.toJson()), ENGINE), "bad_signature");
  }

  @Test
  void signatureByAnotherKey_withTheEngineKid_isBadSignature() {
    assertRejected(handSigned(engineHeader(), payload(GRANT.toJson()), ATTACKER), "bad_signature");
  }

  @Test
  void embeddedJwk_isNotTrusted() {
    // the attacker's own key travels in the header; only the pinned keys may verify
    String jwk = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\""
        + B64URL.encodeToString(java.util.Arrays.copyOfRange(ATTACKER.verifyingKey().spkiDer(), 12, 44)) + "\"}";
    String header = "{\"alg\":\"EdDSA\",\"typ\":\"arbiter-grant+jwt\",\"kid\":\"" + ATTACKER.keyId().value() + "\",\"jwk\":" + jwk + "}";
    assertRejected(handSigned(header, payload(GRANT.toJson()), ATTACKER), "unknown_key");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "engine-1", "sha256:ABC", "SHA256:00", "sha256:" + "AA" + "00000000000000000000000000000000000000000000000000000000000000"})
  void malformedKid_isUnknownKey(String kid) {
    String header = "{\"alg\":\"EdDSA\",\"typ\":\"arbiter-grant+jwt\",\"kid\":\"" + kid + "\"}";
    assertRejected(handSigned(header, payload(GRANT.toJson()), ENGINE), "unknown_key");
  }

  @Test
  void missingKid_isUnknownKey() {
    String header = "{\"alg\":\"EdDSA\",\"typ\":\"arbiter-grant+jwt\"}";
    assertRejected(handSigned(header, payload(GRANT.toJson()), ENGINE), "unknown_key");
  }

  @Test
  void critHeader_isMalformed() {
    String header = "{\"alg\":\"EdDSA\",\"typ\":\"arbiter-grant+jwt\",\"kid\":\"" + ENGINE.keyId().value()
        + "\",\"crit\":[\"x-arbiter\"],\"x-arbiter\":true}";
    assertRejected(handSigned(header, payload(GRANT.toJson()), ENGINE), "malformed");
  }

  @Test
  void duplicateHeaderParameter_isRefused() {
    // two readers could see two different algorithms
    String header = "{\"alg\":\"EdDSA\",\"typ\":\"arbiter-grant+jwt\",\"kid\":\"" + ENGINE.keyId().value() + "\",\"alg\":\"none\"}";
    assertRejected(handSigned(header, payload(GRANT.toJson()), ENGINE), "malformed");
  }

  // ---- attacks on the payload and signature ---------------------------------------------------

  @Test
  void everyChangedPayloadCharacter_isBadSignature() {
    String compact = GrantCodec.sign(GRANT, ENGINE);
    int start = compact.indexOf('.') + 1;
    int end = compact.lastIndexOf('.');
    for (int i = start; i < end; i++) {
      char c = compact.charAt(i);
      char replacement = c == 'A' ? 'B' : 'A';
      String tampered = compact.substring(0, i) + replacement + compact.substring(i + 1);
      assertRejected(() -> verify(tampered), "bad_signature");
    }
  }

  @Test
  void tamperedPayloadByte_isBadSignature() {
    String compact = GrantCodec.sign(GRANT, ENGINE);
    String[] parts = compact.split("\\.");
    byte[] body = B64URL_DEC.decode(parts[1]);
    String original = new String(body, UTF_8);
    String changed = original.replace("payments-api", "payments-apj");
    assertThat(changed).isNotEqualTo(original);
    assertRejected(parts[0] + "." + B64URL.encodeToString(changed.getBytes(UTF_8)) + "." + parts[2], "bad_signature");
  }

  @Test
  void everyFlippedSignatureByte_isBadSignature() {
    String compact = GrantCodec.sign(GRANT, ENGINE);
    String[] parts = compact.split("\\.");
    byte[] sig = B64URL_DEC.decode(parts[2]);
    for (int i = 0; i < sig.length; i++) {
      byte[] t = sig.clone();
      t[i] ^= 0x01;
      String tampered = parts[0] + "." + parts[1] + "." + B64URL.encodeToString(t);
      assertRejected(() -> verify(tampered), "bad_signature");
    }
    assertRejected(parts[0] + "." + parts[1] + ".", "malformed");
    assertRejected(parts[0] + "." + parts[1] + "." + B64URL.encodeToString(java.util.Arrays.copyOf(sig, 63)), "bad_signature");
  }

  @Test
  void swappedHeader_fromAnotherValidToken_isBadSignature() {
    String proof = CompactJws.sign("arbiter-gateway-proof+jwt", payload(GRANT.toJson()), ENGINE);
    String grant = GrantCodec.sign(GRANT, ENGINE);
    // grant header on the proof's signature
    String spliced = grant.substring(0, grant.indexOf('.')) + proof.substring(proof.indexOf('.'));
    assertRejected(spliced, "bad_signature");
  }

  // ---- size and garbage -----------------------------------------------------------------------

  @Test
  void overLongInput_isMalformed_beforeAnyParsing() {
    assertRejected("a".repeat(CompactJws.MAX_CHARS + 1), "malformed");
    String compact = GrantCodec.sign(GRANT, ENGINE);
    assertRejected(compact + " ".repeat(CompactJws.MAX_CHARS), "malformed");
  }

  @Test
  void overLongButValidlySignedGrant_isMalformed() {
    ObjectNode claims = GRANT.toJson();
    ((ObjectNode) claims.get("receipt")).put("padding", "x".repeat(CompactJws.MAX_CHARS));
    String compact = handSigned(engineHeader(), payload(claims), ENGINE);
    assertThat(compact.length()).isGreaterThan(CompactJws.MAX_CHARS);
    assertRejected(compact, "malformed");
  }

  @Test
  void largeGrantUnderTheLimit_isAccepted() throws Exception {
    ObjectNode claims = GRANT.toJson();
    ((ObjectNode) claims.get("receipt")).put("padding", "x".repeat(CompactJws.MAX_CHARS / 2));
    String compact = handSigned(engineHeader(), payload(claims), ENGINE);
    assertThat(compact.length()).isLessThan(CompactJws.MAX_CHARS);
    assertThat(verify(compact).receipt().get("padding").asText()).hasSize(CompactJws.MAX_CHARS / 2);
  }

  static Stream<String> garbage() {
    String valid = GrantCodec.sign(GRANT, ENGINE);
    String[] p = valid.split("\\.");
    return Stream.of("", " ", "\n", "not a jws", ".", "..", "...", "a.b", "a.b.c", "a.b.c.d", "a.b.c.d.e", "%%%.%%%.%%%",
        p[0], p[0] + "." + p[1], p[0] + "." + p[1] + "." + p[2] + "." + p[2],
        "e30.e30.e30", // {} as header: no alg
        b64("[]") + "." + p[1] + "." + p[2],
        b64("null") + "." + p[1] + "." + p[2],
        b64("{\"alg\":\"EdDSA\"") + "." + p[1] + "." + p[2],
        // JWE-shaped (five parts, alg of a key-encryption algorithm)
        b64("{\"alg\":\"dir\",\"enc\":\"A128GCM\"}") + "...." );
  }

  @ParameterizedTest
  @MethodSource("garbage")
  void garbage_isMalformed(String compact) {
    assertRejected(compact, "malformed");
  }

  @Test
  void null_isMalformed() {
    assertRejected(() -> verify(null), "malformed");
  }

  // ---- claims ---------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"grant_id", "decision_id", "action_class", "tool", "target", "payload_hash", "policy_hash", "receipt",
      "not_before", "expires_at", "nonce"})
  void missingClaim_isMalformed(String claim) {
    ObjectNode claims = GRANT.toJson();
    claims.remove(claim);
    assertRejected(handSigned(engineHeader(), payload(claims), ENGINE), "malformed");
  }

  @ParameterizedTest
  @ValueSource(strings = {"exp", "iat", "sub", "scope", "grant"})
  void extraClaim_isMalformed(String claim) {
    ObjectNode claims = GRANT.toJson();
    claims.put(claim, 1);
    assertRejected(handSigned(engineHeader(), payload(claims), ENGINE), "malformed");
  }

  static Stream<org.junit.jupiter.params.provider.Arguments> wrongClaimTypes() {
    return Stream.of(
        org.junit.jupiter.params.provider.Arguments.of("grant_id", F.numberNode(1)),
        org.junit.jupiter.params.provider.Arguments.of("tool", F.nullNode()),
        org.junit.jupiter.params.provider.Arguments.of("target", F.textNode("service/payments-api")),
        org.junit.jupiter.params.provider.Arguments.of("target", F.objectNode().put("type", "service")),
        org.junit.jupiter.params.provider.Arguments.of("target", F.objectNode().put("type", "service").put("id", 7)),
        org.junit.jupiter.params.provider.Arguments.of("not_before", F.numberNode(1772600400L)),
        org.junit.jupiter.params.provider.Arguments.of("not_before", F.textNode("yesterday")),
        org.junit.jupiter.params.provider.Arguments.of("expires_at", F.textNode("2026-03-04")),
        // expires before it starts
        org.junit.jupiter.params.provider.Arguments.of("expires_at", F.textNode("2026-03-04T04:00:00Z")),
        org.junit.jupiter.params.provider.Arguments.of("nonce", F.arrayNode()));
  }

  @ParameterizedTest
  @MethodSource("wrongClaimTypes")
  void wrongClaimType_isMalformed(String claim, JsonNode value) {
    ObjectNode claims = GRANT.toJson();
    claims.set(claim, value);
    assertRejected(handSigned(engineHeader(), payload(claims), ENGINE), "malformed");
  }

  @Test
  void duplicateJsonKeysInPayload_areMalformed() {
    String canonical = new String(payload(GRANT.toJson()), UTF_8);
    // a second decision_id that a lenient reader would take as the real one
    String dup = "{\"decision_id\":\"dec_OTHER\"," + canonical.substring(1);
    assertThat(dup).contains("\"decision_id\":\"dec_OTHER\"").contains("\"decision_id\":\"" + GRANT.decisionId() + "\"");
    assertRejected(handSigned(engineHeader(), dup.getBytes(UTF_8), ENGINE), "malformed");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "null", "[]", "\"grant\"", "42", "{", "{\"grant_id\":\"g\"} {}", "\u0000"})
  void payloadThatIsNotAGrantObject_isMalformed(String body) {
    assertRejected(handSigned(engineHeader(), body.getBytes(UTF_8), ENGINE), "malformed");
  }

  @Test
  void nonUtf8Payload_isMalformed() {
    assertRejected(handSigned(engineHeader(), new byte[] {(byte) 0xff, (byte) 0xfe, '{', '}'}, ENGINE), "malformed");
  }

  @Test
  void nonCanonicalButEquivalentPayload_isAccepted() throws Exception {
    // the codec reads the signed bytes strictly but does not require the engine's canonical form
    String pretty = StrictJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(GRANT.toJson());
    assertThat(verify(handSigned(engineHeader(), pretty.getBytes(UTF_8), ENGINE))).isEqualTo(GRANT);
  }
  /** A grant of an engine older than the environment claim still verifies, with an unknown environment. */
  @Test
  void aGrantWithoutEnvironment_fromAnOlderEngine_isReadWithAnUnknownEnvironment() throws Exception {
    SigningKey engine = SigningKey.generate(KeyAlgorithm.ED25519, new java.security.SecureRandom());
    com.fasterxml.jackson.databind.node.ObjectNode claims = GRANT.toJson();
    claims.remove("environment");
    String compact = dev.arbiter.core.crypto.CompactJws.sign(GrantCodec.TYPE,
        dev.arbiter.core.canonical.CanonicalJson.encode(claims), engine);

    Grant g = GrantCodec.verify(compact, kid -> Optional.of(engine.verifyingKey()), NOW, SKEW);

    assertThat(g.environment()).isEqualTo(GrantCodec.UNKNOWN_ENVIRONMENT);
    assertThat(g.grantId()).isEqualTo(GRANT.grantId());
    claims.remove("nonce"); // but only that claim may be missing
    String short2 = dev.arbiter.core.crypto.CompactJws.sign(GrantCodec.TYPE, dev.arbiter.core.canonical.CanonicalJson.encode(claims), engine);
    assertThatThrownBy(() -> GrantCodec.verify(short2, kid -> Optional.of(engine.verifyingKey()), NOW, SKEW))
        .isInstanceOf(GrantRejectedException.class);
  }
}
