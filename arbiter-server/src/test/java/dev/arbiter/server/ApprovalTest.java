package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.arbiter.core.approval.Challenge;
import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.store.StoredEntry;
import dev.arbiter.server.TestServer.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Approvals over real HTTP, real tokens from a real OIDC issuer, real keys. Every attack is attempted
 * for real, must be refused with its reason, and must be visible on the decision's ledger stream as
 * {@code approval.rejected} with that reason.
 */
class ApprovalTest extends ServerTest {
  static final String DEPLOY = """
      {"action": {"class": "deploy", "tool": "deployer", "intent": "release checkout 1.42.0",
                  "target": {"type": "service", "id": "checkout"},
                  "payload": {"image": "registry.internal/checkout:1.42.0", "change_ticket": "CHG-2291"}},
       "context": {"actor": {"id": "agent-7"}, "environment": "production"}}""";

  private final SigningKey aliceKey = SigningKey.generate(KeyAlgorithm.ED25519, new java.security.SecureRandom());
  private final SigningKey bobKey = SigningKey.generate(KeyAlgorithm.ECDSA_P256, new java.security.SecureRandom());
  private final String alice = TestIdentity.token("alice", "supervisor");
  private final String bob = TestIdentity.token("bob", "manager");

  private String pendingDeploy() throws Exception {
    Response r = t.post("/v1/decisions", UUID.randomUUID().toString(), DEPLOY);
    assertThat(r.json().get("status").asText()).as(r.toString()).isEqualTo("pending_authority");
    return r.json().get("decision_id").asText();
  }

  private Response enrol(String token, SigningKey key) throws Exception {
    return t.enrol(token, key);
  }

  private JsonNode challenge(String token, String id, String intent) throws Exception {
    Response r = t.postAs(token, "/v1/decisions/" + id + "/challenge", UUID.randomUUID().toString(),
        "{\"intent\": \"" + intent + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.json();
  }

  /** The body an honest client sends: the challenge unchanged, signed over signing_input. */
  private static String signed(JsonNode issued, SigningKey key, String rationale) throws Exception {
    byte[] input = Base64.getDecoder().decode(issued.get("signing_input").asText());
    assertThat(input).isEqualTo(Challenge.fromJson(issued.get("challenge")).signingInput());
    ObjectNode body = TestServer.JSON.createObjectNode();
    body.set("challenge", issued.get("challenge"));
    body.put("key_id", key.keyId().value()).put("signature", Base64.getEncoder().encodeToString(key.sign(input)));
    body.put("rationale", rationale);
    return body.toString();
  }

  private Response approve(String token, String id, String body) throws Exception {
    return t.postAs(token, "/v1/decisions/" + id + "/approvals", UUID.randomUUID().toString(), body);
  }

  private Response approveWith(String token, SigningKey key, String id) throws Exception {
    return approve(token, id, signed(challenge(token, id, "approve"), key, "reviewed the change ticket"));
  }

  private void assertRefused(Response r, int status, String reason, String id) throws Exception {
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().get("reason").asText()).isEqualTo(reason);
    List<StoredEntry> stream = t.entries(id);
    assertThat(stream.stream().filter(e -> e.eventType().equals("approval.rejected")).map(e -> reasonOf(e)).toList())
        .as("refusal recorded on the ledger").contains(reason.equals("token_invalid") ? "token_invalid" : reason);
    assertThat(t.json(id).get("status").asText()).isIn("pending_authority", "cancelled", "expired");
  }

  private String reasonOf(StoredEntry e) {
    try {
      return t.payload(e).get("reason").asText();
    } catch (java.io.IOException ex) {
      throw new IllegalStateException(ex);
    }
  }

  @Test
  void twoDistinctApprovers_authorizeOnlyAtTheSecond_inTheSameTransaction_andTheProposerGetsTheGrant() throws Exception {
    assertThat(enrol(alice, aliceKey).status()).isEqualTo(201);
    assertThat(enrol(bob, bobKey).status()).isEqualTo(201);
    String id = pendingDeploy();

    Response first = approveWith(alice, aliceKey, id);
    assertThat(first.status()).as(first.toString()).isEqualTo(200);
    assertThat(first.json().get("status").asText()).isEqualTo("pending_authority");
    assertThat(first.json().get("approvals").get("counted").asInt()).isEqualTo(1);
    assertThat(first.json().has("grant")).as("only the proposer gets grants").isFalse();

    Response second = approveWith(bob, bobKey, id);
    assertThat(second.status()).as(second.toString()).isEqualTo(200);
    assertThat(second.json().get("status").asText()).isEqualTo("authorized");

    List<String> trail = t.trail(id);
    assertThat(trail.subList(trail.size() - 4, trail.size()))
        .containsExactly("approval.added", "approval.added", "enforcement.result", "grant.issued");
    List<StoredEntry> entries = t.entries(id);
    StoredEntry added = entries.get(entries.size() - 3);
    StoredEntry result = entries.get(entries.size() - 2);
    assertThat(result.leafIndex()).isEqualTo(added.leafIndex() + 1);
    JsonNode approval = t.payload(added);
    assertThat(approval.get("actor").asText()).isEqualTo("bob");
    assertThat(approval.get("method").asText()).isEqualTo("ecdsa-p256");
    assertThat(approval.get("key_id").asText()).isEqualTo(bobKey.keyId().value());
    assertThat(added.envelope()).asString(java.nio.charset.StandardCharsets.UTF_8).doesNotContain(bob)
        .doesNotContain("PRIVATE KEY");
    // An auditor can check the signature years later from the ledger alone.
    bobKey.verifyingKey().verify(Challenge.fromJson(approval.get("challenge")).signingInput(),
        Base64.getDecoder().decode(approval.get("signature_ref").asText()));

    Response grant = t.getAs(TestIdentity.token("agent-7"), "/v1/decisions/" + id + "/grant");
    assertThat(grant.status()).as(grant.toString()).isEqualTo(200);
    assertThat(grant.json().get("grant").asText()).contains(".");
    Response notProposer = t.getAs(alice, "/v1/decisions/" + id + "/grant");
    assertThat(notProposer.status()).isEqualTo(403);
    Response gateway = t.getAs(TestIdentity.token("gateway-1", "arbiter-gateway"), "/v1/decisions/" + id + "/grant");
    assertThat(gateway.status()).as("a gateway token is not a key to every grant").isEqualTo(403);
  }

  @Test
  void aQuorumWhoseGrantCannotBeRecordedYet_isAnsweredAuthorized_andTheProposerGetsTheGrantLater() throws Exception {
    enrol(alice, aliceKey);
    enrol(bob, bobKey);
    String id = pendingDeploy();
    assertThat(approveWith(alice, aliceKey, id).status()).isEqualTo(200);

    t.refuseInsertsOf("grant.issued", true); // the disk refuses right after the quorum was recorded
    Response second;
    try {
      second = approveWith(bob, bobKey, id);
    } finally {
      t.refuseInsertsOf("grant.issued", false);
    }

    assertThat(second.status()).as("the approval was recorded: " + second).isEqualTo(200);
    assertThat(second.json().get("status").asText()).isEqualTo("authorized");
    assertThat(t.trail(id)).endsWith("approval.added", "approval.added", "enforcement.result");
    Response grant = t.getAs(TestIdentity.token("agent-7"), "/v1/decisions/" + id + "/grant");
    assertThat(grant.status()).as(grant.toString()).isEqualTo(200);
    assertThat(t.trail(id)).endsWith("enforcement.result", "grant.issued");
  }

  @Test
  void forgedSignature_isRefused() throws Exception {
    enrol(alice, aliceKey);
    String id = pendingDeploy();
    ObjectNode body = (ObjectNode) TestServer.JSON.readTree(signed(challenge(alice, id, "approve"), aliceKey, "ok"));
    byte[] sig = Base64.getDecoder().decode(body.get("signature").asText());
    sig[5] ^= 1;
    body.put("signature", Base64.getEncoder().encodeToString(sig));

    assertRefused(approve(alice, id, body.toString()), 403, "bad_signature", id);
  }

  @Test
  void validSignatureByAnUnenrolledKey_isRefused() throws Exception {
    String id = pendingDeploy();
    assertRefused(approveWith(alice, aliceKey, id), 403, "key_not_enrolled", id);
  }

  @Test
  void revokedKey_isRefused() throws Exception {
    enrol(alice, aliceKey);
    Response revoked = t.postAs(alice, "/v1/keys/revoke", "rv-1", "{\"key_id\": \"" + aliceKey.keyId().value() + "\"}");
    assertThat(revoked.status()).as(revoked.toString()).isEqualTo(200);
    assertThat(t.trail(dev.arbiter.server.engine.KeyRegistry.STREAM)).containsExactly("key.enrolled", "key.revoked");
    String id = pendingDeploy();

    assertRefused(approveWith(alice, aliceKey, id), 403, "key_revoked", id);
  }

  @Test
  void someoneElsesEnrolledKey_isRefused() throws Exception {
    enrol(bob, bobKey);
    String id = pendingDeploy();
    assertRefused(approve(alice, id, signed(challenge(alice, id, "approve"), bobKey, "ok")), 403, "key_not_owned", id);
  }

  @Test
  void signatureOverAnotherDecisionsChallenge_isRefused() throws Exception {
    enrol(alice, aliceKey);
    String target = pendingDeploy();
    String other = pendingDeploy();
    String body = signed(challenge(alice, other, "approve"), aliceKey, "ok");

    assertRefused(approve(alice, target, body), 403, "challenge_mismatch", target);
  }

  @Test
  void replayOfAnAcceptedApproval_isRefused_alsoAfterARestart() throws Exception {
    enrol(alice, aliceKey);
    String id = pendingDeploy();
    String body = signed(challenge(alice, id, "approve"), aliceKey, "ok");
    assertThat(approve(alice, id, body).status()).isEqualTo(200);

    assertRefused(approve(alice, id, body), 403, "nonce_used", id);
    t.restart();
    Response again = approve(alice, id, body);
    assertRefused(again, 403, "nonce_used", id);
    assertThat(again.body()).as("a retry after a restart learns its approval counts").contains("it is recorded and counts");
    assertThat(t.json(id).get("approvals").get("counted").asInt()).isEqualTo(1);
  }

  @Test
  void expiredChallenge_isRefused() throws Exception {
    enrol(alice, aliceKey);
    String id = pendingDeploy();
    String body = signed(challenge(alice, id, "approve"), aliceKey, "ok");
    t.clock.advance(Duration.ofMinutes(6));

    assertRefused(approve(alice, id, body), 403, "challenge_expired", id);
  }

  /** The sweeper purges an expired challenge within a second; a late signature is still named for what it is. */
  @Test
  void expiredChallenge_afterTheSweepPurgedIt_isStillChallengeExpired() throws Exception {
    enrol(alice, aliceKey);
    String id = pendingDeploy();
    String body = signed(challenge(alice, id, "approve"), aliceKey, "ok");
    t.clock.advance(Duration.ofMinutes(6));
    t.server.engine().approvals().purgeExpired();

    assertRefused(approve(alice, id, body), 403, "challenge_expired", id);
  }

  @Test
  void requesterApprovingTheirOwnDecision_isRefused() throws Exception {
    String agent = TestIdentity.token("agent-7", "manager");
    SigningKey agentKey = SigningKey.generate(KeyAlgorithm.ED25519, new java.security.SecureRandom());
    enrol(agent, agentKey);
    String id = pendingDeploy();

    assertRefused(approveWith(agent, agentKey, id), 403, "self_approval", id);
  }

  @Test
  void theSameApproverTwice_countsOnce() throws Exception {
    enrol(alice, aliceKey);
    String id = pendingDeploy();
    assertThat(approveWith(alice, aliceKey, id).status()).isEqualTo(200);

    assertRefused(approveWith(alice, aliceKey, id), 403, "already_signed", id);
    assertThat(t.json(id).get("status").asText()).isEqualTo("pending_authority");
  }

  @Test
  void approverOfTooLowALevel_isRefused() throws Exception {
    String olly = TestIdentity.token("olly", "operator");
    SigningKey ollyKey = SigningKey.generate(KeyAlgorithm.ED25519, new java.security.SecureRandom());
    enrol(olly, ollyKey);
    String id = pendingDeploy();

    assertRefused(approveWith(olly, ollyKey, id), 403, "insufficient_level", id);
  }

  @Test
  void approverOfTheWrongDomain_isRefused() throws Exception {
    String carol = TestIdentity.token("carol", "payments-manager");
    SigningKey carolKey = SigningKey.generate(KeyAlgorithm.ED25519, new java.security.SecureRandom());
    enrol(carol, carolKey);
    String id = pendingDeploy();

    assertRefused(approveWith(carol, carolKey, id), 403, "wrong_domain", id);
  }

  @Test
  void badTokens_areRefusedAndRecorded() throws Exception {
    enrol(alice, aliceKey);
    String id = pendingDeploy();
    String body = signed(challenge(alice, id, "approve"), aliceKey, "ok");
    var idp = TestIdentity.idp();
    Instant now = Instant.now();
    JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(idp.issuerUrl(TestIdentity.ISSUER_ID).toString())
        .audience(TestIdentity.AUDIENCE).subject("alice").claim("roles", List.of("supervisor"))
        .issueTime(Date.from(now)).notBeforeTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(600))).build();
    String none = Base64URL.encode("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + Base64URL.encode(claims.toString()) + ".";
    RSAKey published = idp.getConfig().getTokenProvider().publicJwkSet(TestIdentity.ISSUER_ID).getKeys().get(0).toRSAKey();
    SignedJWT hs = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(published.getKeyID()).build(), claims);
    hs.sign(new MACSigner(published.toPublicKey().getEncoded()));
    String expired = idp.issueToken(TestIdentity.ISSUER_ID, "alice", TestIdentity.AUDIENCE,
        Map.of("roles", List.of("supervisor")), -120).serialize();
    String otherIssuer = idp.issueToken("elsewhere", "alice", TestIdentity.AUDIENCE,
        Map.of("roles", List.of("supervisor")), 3600).serialize();
    String otherAudience = idp.issueToken(TestIdentity.ISSUER_ID, "alice", "another-service",
        Map.of("roles", List.of("supervisor")), 3600).serialize();

    Map<String, String> attacks = Map.of("algorithm_not_allowed", none, "algorithm_not_allowed ", hs.serialize(),
        "expired", expired, "wrong_issuer", otherIssuer, "wrong_audience", otherAudience);
    for (var a : attacks.entrySet()) {
      Response r = approve(a.getValue(), id, body);
      assertThat(r.status()).as(a.getKey() + " " + r).isEqualTo(401);
      assertThat(r.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/unauthenticated");
      assertThat(r.json().get("reason").asText()).isEqualTo(a.getKey().strip());
      assertThat(r.body()).doesNotContain(a.getValue());
    }
    List<String> recorded = t.entries(id).stream().filter(e -> e.eventType().equals("approval.rejected"))
        .map(e -> {
          try {
            return t.payload(e).get("reason").asText() + "/" + t.payload(e).get("token_reason").asText();
          } catch (java.io.IOException ex) {
            throw new IllegalStateException(ex);
          }
        }).toList();
    assertThat(recorded).containsExactlyInAnyOrder("token_invalid/algorithm_not_allowed",
        "token_invalid/algorithm_not_allowed", "token_invalid/expired", "token_invalid/wrong_issuer",
        "token_invalid/wrong_audience");
    assertThat(t.json(id).get("approvals").get("counted").asInt()).isZero();
  }

  @Test
  void approvalAfterCancel_orAfterExpiry_isRefused() throws Exception {
    enrol(alice, aliceKey);
    String cancelled = pendingDeploy();
    String body = signed(challenge(alice, cancelled, "approve"), aliceKey, "ok");
    assertThat(t.post("/v1/decisions/" + cancelled + "/cancel", "c-1", "{\"actor\": {\"id\": \"agent-7\"}}").status())
        .isEqualTo(200);
    assertRefused(approve(alice, cancelled, body), 409, "decision_not_pending", cancelled);

    String expiring = pendingDeploy();
    String late = signed(challenge(alice, expiring, "approve"), aliceKey, "ok");
    t.clock.advance(Duration.ofMinutes(4)); // within the challenge's TTL
    t.clock.advance(Duration.ofHours(4));
    Response r = approve(alice, expiring, late);
    assertThat(r.status()).as(r.toString()).isIn(403, 409);
    assertThat(t.json(expiring).get("status").asText()).isEqualTo("expired");
  }

  /** An altered challenge or a signature that is not base64 is an attempt on the decision: recorded, without the body. */
  @Test
  void aMalformedApproval_isRefused_andRecordedWithoutItsBody() throws Exception {
    enrol(alice, aliceKey);
    String id = pendingDeploy();
    ObjectNode altered = (ObjectNode) TestServer.JSON.readTree(signed(challenge(alice, id, "approve"), aliceKey, "ok"));
    ((ObjectNode) altered.get("challenge")).put("extra", 1);
    ObjectNode notBase64 = (ObjectNode) TestServer.JSON.readTree(signed(challenge(alice, id, "approve"), aliceKey, "ok"));
    notBase64.put("signature", "%%%not-base64%%%");
    for (ObjectNode body : List.of(altered, notBase64)) {
      Response r = approve(alice, id, body.toString());
      assertThat(r.status()).as(r.toString()).isEqualTo(400);
    }
    List<StoredEntry> rejected = t.entries(id).stream().filter(e -> e.eventType().equals("approval.rejected")).toList();
    assertThat(rejected).hasSize(2);
    for (StoredEntry e : rejected) {
      JsonNode payload = TestServer.JSON.readTree(e.envelope()).get("payload");
      assertThat(payload.get("reason").asText()).isEqualTo("malformed_submission");
      assertThat(payload.get("errors").size()).isPositive();
      assertThat(payload.toString()).doesNotContain("not-base64").doesNotContain("\"extra\"");
    }
    assertThat(t.json(id).get("approvals").get("counted").asInt()).isZero();
  }

  /** Made-up bodies have their own small budget: a flood of them cannot stop real attempts from being recorded. */
  @Test
  void aFloodOfMalformedApprovals_doesNotCrowdOutRealRefusals() throws Exception {
    enrol(alice, aliceKey);
    String id = pendingDeploy();
    String mallory = TestIdentity.token("mallory", "supervisor");
    for (int i = 0; i < 40; i++) {
      Response r = approve(mallory, id, "{\"x\": 1}");
      assertThat(r.status()).as(r.toString()).isIn(400, 429);
    }
    long malformed = t.entries(id).stream().filter(e -> e.eventType().equals("approval.rejected")).count();
    assertThat(malformed).as("at most the malformed budget").isBetween(1L, 10L);

    SigningKey unenrolled = SigningKey.generate(KeyAlgorithm.ED25519, new java.security.SecureRandom());
    assertRefused(approve(alice, id, signed(challenge(alice, id, "approve"), unenrolled, "ok")), 403, "key_not_enrolled", id);
    assertThat(t.entries(id).stream().filter(e -> e.eventType().equals("approval.rejected")).count())
        .as("the real attempt is still recorded").isEqualTo(malformed + 1);
  }

  /** `arbiter approve` asks for its challenge first: that refusal is on the decision's trail too. */
  @Test
  void aChallengeForACancelledDecision_isRefused_andRecorded() throws Exception {
    enrol(alice, aliceKey);
    String cancelled = pendingDeploy();
    assertThat(t.post("/v1/decisions/" + cancelled + "/cancel", "c-2", "{\"actor\": {\"id\": \"agent-7\"}}").status())
        .isEqualTo(200);
    long before = t.trail(cancelled).stream().filter("approval.rejected"::equals).count();

    Response r = t.postAs(alice, "/v1/decisions/" + cancelled + "/challenge", "ch-late", "{\"intent\": \"approve\"}");

    assertThat(r.status()).as(r.toString()).isEqualTo(409);
    assertThat(r.json().get("reason").asText()).isEqualTo("decision_not_pending");
    List<StoredEntry> rejected = t.entries(cancelled).stream().filter(e -> e.eventType().equals("approval.rejected")).toList();
    assertThat(rejected).hasSize((int) before + 1);
    JsonNode payload = TestServer.JSON.readTree(rejected.get(rejected.size() - 1).envelope()).get("payload");
    assertThat(payload.get("reason").asText()).isEqualTo("decision_not_pending");
    assertThat(payload.get("stage").asText()).isEqualTo("challenge");
    assertThat(payload.get("actor").asText()).isNotBlank();
  }

  @Test
  void aSignedRejection_deniesTheDecision_andCannotBeReplayedAsAnApproval() throws Exception {
    enrol(alice, aliceKey);
    String id = pendingDeploy();
    JsonNode issued = challenge(alice, id, "reject");
    String body = signed(issued, aliceKey, "not during the freeze");

    Response asApproval = approve(alice, id, body);
    assertThat(asApproval.status()).isEqualTo(403);
    assertThat(asApproval.json().get("reason").asText()).isEqualTo("challenge_mismatch");

    JsonNode fresh = challenge(alice, id, "reject");
    Response rejected = t.postAs(alice, "/v1/decisions/" + id + "/rejections", "rj-1", signed(fresh, aliceKey, "freeze"));
    assertThat(rejected.status()).as(rejected.toString()).isEqualTo(200);
    assertThat(rejected.json().get("status").asText()).isEqualTo("denied");
    assertThat(t.trail(id)).endsWith("rejection.added", "enforcement.result");
  }

  @Test
  void identityProviderDown_refusesWith503_andRecordsDegradedAndRestoredOncePerTransition() throws Exception {
    int port;
    try (var socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    var base = TestIdentity.config();
    var config = dev.arbiter.server.identity.IdentityConfig.of(java.net.URI.create("http://localhost:" + port + "/later"),
        TestIdentity.AUDIENCE, "roles", base.roleLevels(), base.roleDomains());
    var authenticator = new dev.arbiter.server.identity.DiscoveringAuthenticator(config, java.time.Clock.systemUTC(),
        Duration.ofMillis(1));
    t.security(dev.arbiter.server.config.SecurityConfig.of(authenticator, t.engineKey, Map.of()));
    t.restart();
    String id = "dec_01JD0000000000000000000000";

    Response r1 = t.getAs(alice, "/v1/decisions/" + id);
    Response r2 = t.postAs(alice, "/v1/decisions", "k", DEPLOY);
    assertThat(r1.status()).as(r1.toString()).isEqualTo(503);
    assertThat(r1.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/identity-unavailable");
    assertThat(r1.retryAfter()).isNotNull();
    assertThat(r2.status()).isEqualTo(503);
    assertThat(t.trail(dev.arbiter.server.engine.IdentityHealth.STREAM)).containsExactly("governance.degraded");

    var later = new no.nav.security.mock.oauth2.MockOAuth2Server();
    later.start(port);
    try {
      String token = later.issueToken("later", "alice", TestIdentity.AUDIENCE, Map.of("roles", List.of("supervisor")), 600)
          .serialize();
      Response ok = t.getAs(token, "/v1/decisions/" + id);
      assertThat(ok.status()).as(ok.toString()).isEqualTo(404);
      t.getAs(token, "/v1/decisions/" + id);
      assertThat(t.trail(dev.arbiter.server.engine.IdentityHealth.STREAM))
          .containsExactly("governance.degraded", "governance.restored");

      // Down again. Forged tokens naming keys nobody has are 503 (an uncached key during an outage),
      // alice's cached key still works; neither may write per request (review: degraded and restored
      // alternated on every pair of calls).
      later.shutdown();
      RSAKey forger = new com.nimbusds.jose.jwk.gen.RSAKeyGenerator(2048).generate();
      for (int i = 0; i < 4; i++) {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(later.issuerUrl("later").toString())
            .audience(TestIdentity.AUDIENCE).subject("mallory").issueTime(new Date())
            .expirationTime(Date.from(Instant.now().plusSeconds(600))).build();
        SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("nobody-" + i).build(), claims);
        forged.sign(new com.nimbusds.jose.crypto.RSASSASigner(forger));
        Response refused = t.getAs(forged.serialize(), "/v1/decisions/" + id);
        assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
        assertThat(t.getAs(token, "/v1/decisions/" + id).status()).isEqualTo(404);
      }
      assertThat(t.trail(dev.arbiter.server.engine.IdentityHealth.STREAM))
          .containsExactly("governance.degraded", "governance.restored", "governance.degraded");
    } finally {
      later.shutdown();
    }
  }

  @Test
  void tooManyAttempts_are429_andRecorded() throws Exception {
    t.security(t.security().withRateLimits(4, 100)); // one challenge + three approval attempts per minute
    t.restart();
    enrol(alice, aliceKey);
    String id = pendingDeploy();
    String bad = TestServer.JSON.readTree(signed(challenge(alice, id, "approve"), aliceKey, "ok")).toString()
        .replace(aliceKey.keyId().value(), "sha256:" + "0".repeat(64));
    for (int i = 0; i < 3; i++) {
      assertThat(approve(alice, id, bad).status()).isEqualTo(403);
    }
    Response limited = approve(alice, id, bad);
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/rate-limited");
    assertThat(limited.retryAfter()).isNotNull();
    assertThat(t.entries(id).stream().filter(e -> e.eventType().equals("approval.rejected")).map(this::reasonOf))
        .contains("rate_limited");
  }

  @Test
  void anomalies_areRecordedBesideTheApproval_burstAndUnusualDomain() throws Exception {
    enrol(bob, bobKey);
    List<String> deploys = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String id = pendingDeploy();
      deploys.add(id);
      assertThat(approveWith(bob, bobKey, id).status()).isEqualTo(200);
    }
    String transfer = t.post("/v1/decisions", "tr-1", """
        {"action": {"class": "transfer", "tool": "payments-api", "intent": "refund order 7781",
                    "target": {"type": "account", "id": "acct_8812"}, "payload": {"amount": 120.50, "currency": "EUR"}},
         "context": {"actor": {"id": "agent-7"}, "environment": "production"}}""").json().get("decision_id").asText();
    Response r = approveWith(bob, bobKey, transfer);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(signals(transfer)).contains("unusual_domain");
    assertThat(signals(deploys.get(0))).isEmpty();

    String fifth = pendingDeploy();
    assertThat(approveWith(bob, bobKey, fifth).status()).isEqualTo(200);
    assertThat(signals(fifth)).contains("burst");
  }

  private List<String> signals(String id) throws Exception {
    List<String> out = new java.util.ArrayList<>();
    for (StoredEntry e : t.entries(id)) {
      if (e.eventType().equals("approval.anomaly")) {
        out.add(t.payload(e).get("signal").asText());
      }
    }
    return out;
  }
}
