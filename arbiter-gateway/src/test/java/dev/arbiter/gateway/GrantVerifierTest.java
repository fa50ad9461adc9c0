package dev.arbiter.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.canonical.StrictJson;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.grant.Grant;
import dev.arbiter.core.grant.GrantRejectedException;
import dev.arbiter.gateway.GovernedWorld.MintedGrant;
import dev.arbiter.gateway.verify.GatewayProof;
import dev.arbiter.gateway.verify.GrantVerifier;
import dev.arbiter.gateway.verify.VerifiedCall;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link GrantVerifier} as a tool uses it, with proofs signed by a real gateway key and a fixed clock. */
class GrantVerifierTest {
  static final String PATH = "/execute";
  @TempDir Path dir;
  GovernedWorld world;
  Instant now;
  GrantVerifier verifier;
  ObjectNode payload = GovernedWorld.payload("payments-api", "1.0.0");
  byte[] body = CanonicalJson.encode(payload);
  MintedGrant grant;

  @BeforeEach
  void setUp() throws Exception {
    world = new GovernedWorld(dir);
    now = Instant.now();
    verifier = verifierFor("deployer", Clock.fixed(now, ZoneOffset.UTC));
    grant = world.mint("deployer", "deploy", payload);
  }

  @AfterEach
  void tearDown() {
    world.close();
  }

  GrantVerifier verifierFor(String tool, Clock clock) {
    return new GrantVerifier(List.of(world.engineKey.verifyingKey()), world.ledgerKey.verifyingKey(),
        List.of(world.gatewayKey.verifyingKey()), tool, clock, Duration.ofSeconds(30));
  }

  GatewayProof proof(String grantId, String tool, String method, String path, byte[] forwarded, Instant issuedAt) {
    return new GatewayProof(grantId, tool, method, path, GatewayProof.bodyHash(forwarded), issuedAt, "bm9uY2Vub25jZQ");
  }

  Map<String, String> headers(String grantCompact, String proofCompact) {
    Map<String, String> h = new HashMap<>();
    if (grantCompact != null) {
      h.put(GatewayProof.GRANT_HEADER, grantCompact);
    }
    if (proofCompact != null) {
      h.put(GatewayProof.HEADER, proofCompact);
    }
    return h;
  }

  String validProof() {
    return proof(grant.grantId(), "deployer", "POST", PATH, body, now).sign(world.gatewayKey);
  }

  String code(GrantVerifier v, String method, String path, Map<String, String> headers, byte[] b) {
    try {
      v.verify(method, path, headers::get, b);
    } catch (GrantRejectedException e) {
      return e.code();
    }
    throw new AssertionError("expected a rejection");
  }

  @Test
  void verify_whenEverythingMatches_returnsGrantProofAndPayload() throws Exception {
    VerifiedCall call = verifier.verify("POST", PATH, headers(grant.compact(), validProof())::get, body);

    assertThat(CanonicalJson.encodeToString(call.grant().toJson())).isEqualTo(CanonicalJson.encodeToString(grant.grant().toJson()));
    assertThat(call.payload()).isEqualTo(payload);
    assertThat(call.proof().grantId()).isEqualTo(grant.grantId());
  }

  @Test
  void verify_whenProofMissing_throwsGatewayProofMissing() {
    assertThat(code(verifier, "POST", PATH, headers(grant.compact(), null), body)).isEqualTo("gateway_proof_missing");
  }

  @Test
  void verify_whenProofSignedByAnotherKey_throwsGatewayProofInvalid() {
    SigningKey attacker = GovernedWorld.newKey();
    String forged = proof(grant.grantId(), "deployer", "POST", PATH, body, now).sign(attacker);

    assertThat(code(verifier, "POST", PATH, headers(grant.compact(), forged), body)).isEqualTo("gateway_proof_invalid");
  }

  @Test
  void verify_whenTheGrantIsSentAsTheProof_throwsGatewayProofInvalid() {
    assertThat(code(verifier, "POST", PATH, headers(grant.compact(), grant.compact()), body)).isEqualTo("gateway_proof_invalid");
  }

  @Test
  void verify_whenGrantMissing_throwsGrantMissing() {
    assertThat(code(verifier, "POST", PATH, headers(null, validProof()), body)).isEqualTo("grant_missing");
  }

  @Test
  void verify_whenGrantExpired_throwsExpired() {
    GrantVerifier later = verifierFor("deployer", Clock.fixed(now.plus(Duration.ofHours(1)), ZoneOffset.UTC));
    String proof = proof(grant.grantId(), "deployer", "POST", PATH, body, now.plus(Duration.ofHours(1))).sign(world.gatewayKey);

    assertThat(code(later, "POST", PATH, headers(grant.compact(), proof), body)).isEqualTo("expired");
  }

  @Test
  void verify_whenGrantIsForAnotherTool_throwsToolMismatch() {
    GrantVerifier billing = verifierFor("billing", Clock.fixed(now, ZoneOffset.UTC));
    String proof = proof(grant.grantId(), "billing", "POST", PATH, body, now).sign(world.gatewayKey);

    assertThat(code(billing, "POST", PATH, headers(grant.compact(), proof), body)).isEqualTo("tool_mismatch");
  }

  @Test
  void verify_whenProofIsForAnotherRequest_throwsRequestMismatch() {
    MintedGrant other = world.mint("deployer", "deploy", payload);
    String forOtherGrant = proof(other.grantId(), "deployer", "POST", PATH, body, now).sign(world.gatewayKey);
    String forOtherPath = proof(grant.grantId(), "deployer", "POST", "/admin", body, now).sign(world.gatewayKey);
    String forOtherMethod = proof(grant.grantId(), "deployer", "PUT", PATH, body, now).sign(world.gatewayKey);
    String forOtherTool = proof(grant.grantId(), "billing", "POST", PATH, body, now).sign(world.gatewayKey);
    byte[] reformatted = (new String(body, java.nio.charset.StandardCharsets.UTF_8) + " ").getBytes(java.nio.charset.StandardCharsets.UTF_8);

    assertThat(code(verifier, "POST", PATH, headers(grant.compact(), forOtherGrant), body)).isEqualTo("request_mismatch");
    assertThat(code(verifier, "POST", PATH, headers(grant.compact(), forOtherPath), body)).isEqualTo("request_mismatch");
    assertThat(code(verifier, "POST", PATH, headers(grant.compact(), forOtherMethod), body)).isEqualTo("request_mismatch");
    assertThat(code(verifier, "POST", PATH, headers(grant.compact(), forOtherTool), body)).isEqualTo("request_mismatch");
    // Same JSON, different bytes: the proof binds the exact bytes forwarded.
    assertThat(code(verifier, "POST", PATH, headers(grant.compact(), validProof()), reformatted)).isEqualTo("request_mismatch");
  }

  @Test
  void verify_whenProofOlderOrNewerThan60Seconds_throwsProofStale() throws Exception {
    String old = proof(grant.grantId(), "deployer", "POST", PATH, body, now.minusSeconds(61)).sign(world.gatewayKey);
    String future = proof(grant.grantId(), "deployer", "POST", PATH, body, now.plusSeconds(61)).sign(world.gatewayKey);
    String edge = proof(grant.grantId(), "deployer", "POST", PATH, body, now.minusSeconds(60)).sign(world.gatewayKey);

    assertThat(code(verifier, "POST", PATH, headers(grant.compact(), old), body)).isEqualTo("proof_stale");
    assertThat(code(verifier, "POST", PATH, headers(grant.compact(), future), body)).isEqualTo("proof_stale");
    assertThat(verifier.verify("POST", PATH, headers(grant.compact(), edge)::get, body).grant().grantId()).isEqualTo(grant.grantId());
  }

  @Test
  void verify_whenBodyIsNotTheGrantedPayload_throwsPayloadMismatch() {
    byte[] evil = CanonicalJson.encode(GovernedWorld.payload("payments-api", "6.6.6"));
    String proof = proof(grant.grantId(), "deployer", "POST", PATH, evil, now).sign(world.gatewayKey);
    byte[] notJson = "rm -rf /".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    String proofNotJson = proof(grant.grantId(), "deployer", "POST", PATH, notJson, now).sign(world.gatewayKey);

    assertThat(code(verifier, "POST", PATH, headers(grant.compact(), proof), evil)).isEqualTo("payload_mismatch");
    assertThat(code(verifier, "POST", PATH, headers(grant.compact(), proofNotJson), notJson)).isEqualTo("payload_mismatch");
  }

  @Test
  void verify_whenBodyIsAnotherSpellingOfTheGrantedPayload_throwsPayloadMismatch() {
    // Same canonical hash as the grant's payload, but not the canonical bytes: a gateway proof over
    // these bytes means they were not forwarded as the gateway forwards (canonical form only).
    byte[] reordered = ("{\"version\":\"1.0.0\",\"regions\":[\"eu-west-1\",\"us-east-1\"],\"service\":\"payments-api\"}")
        .getBytes(StandardCharsets.UTF_8);
    byte[] escaped = new String(body, StandardCharsets.UTF_8).replace("payments", "p\\u0061yments")
        .getBytes(StandardCharsets.UTF_8);
    for (byte[] spelling : List.of(reordered, escaped)) {
      assertThat(Grant.payloadHash(StrictJson.parse(spelling))).isEqualTo(grant.grant().payloadHash());
      String proof = proof(grant.grantId(), "deployer", "POST", PATH, spelling, now).sign(world.gatewayKey);

      assertThat(code(verifier, "POST", PATH, headers(grant.compact(), proof), spelling)).isEqualTo("payload_mismatch");
    }
  }

  @Test
  void verify_whenTheRequestCarriesAQuery_throwsRequestMismatch() {
    assertThat(code(verifier, "POST", PATH + "?dry_run=false", headers(grant.compact(), validProof()), body))
        .isEqualTo("request_mismatch");
    assertThat(code(verifier, "POST", PATH + "?", headers(grant.compact(), validProof()), body))
        .isEqualTo("request_mismatch");
  }

  @Test
  void verifyHeaders_needsNoBody_andTheBodyIsCheckedAfterwards() throws Exception {
    GrantVerifier.VerifiedHeaders checked = verifier.verifyHeaders("POST", PATH, headers(grant.compact(), validProof())::get);
    assertThat(checked.grant().grantId()).isEqualTo(grant.grantId());

    byte[] other = CanonicalJson.encode(GovernedWorld.payload("payments-api", "9.9.9"));
    assertThatThrownBy(() -> checked.verifyBody(other)).isInstanceOf(GrantRejectedException.class)
        .extracting(e -> ((GrantRejectedException) e).code()).isEqualTo("request_mismatch");
    assertThat(checked.verifyBody(body).payload()).isEqualTo(payload);
  }

  @Test
  void verifyHeaders_refusesAnUngovernedCallWithoutItsBody() {
    assertThatThrownBy(() -> verifier.verifyHeaders("POST", PATH, headers(grant.compact(), null)::get))
        .isInstanceOf(GrantRejectedException.class)
        .extracting(e -> ((GrantRejectedException) e).code()).isEqualTo("gateway_proof_missing");
  }

  @Test
  void constructor_withoutPinnedKeys_isRefused() {
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException().isThrownBy(() -> new GrantVerifier(List.of(),
        world.ledgerKey.verifyingKey(), List.of(world.gatewayKey.verifyingKey()), "deployer", Clock.systemUTC(), Duration.ZERO));
    assertThatThrownBy(() -> new GrantVerifier(List.of(world.engineKey.verifyingKey()), world.ledgerKey.verifyingKey(),
        List.of(), "deployer", Clock.systemUTC(), Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
  }

  /** Grants and gateway proofs are JWS EdDSA: a tool pinned to a P-256 key for either would refuse every call. */
  @Test
  void constructor_withAnEngineOrGatewayKeyThatIsNotEd25519_isRefused() {
    var p256 = dev.arbiter.core.crypto.SigningKey.generate(dev.arbiter.core.crypto.KeyAlgorithm.ECDSA_P256,
        new java.security.SecureRandom()).verifyingKey();
    assertThatThrownBy(() -> new GrantVerifier(List.of(p256), world.ledgerKey.verifyingKey(),
        List.of(world.gatewayKey.verifyingKey()), "deployer", Clock.systemUTC(), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be Ed25519");
    assertThatThrownBy(() -> new GrantVerifier(List.of(world.engineKey.verifyingKey()), world.ledgerKey.verifyingKey(),
        List.of(p256), "deployer", Clock.systemUTC(), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be Ed25519");
  }
}
