package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.approval.Challenge;
import dev.arbiter.core.approval.EnrolmentProof;
import dev.arbiter.core.approval.EnrolmentStatement;
import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.ledger.event.Actor;
import dev.arbiter.ledger.event.EventDraft;
import dev.arbiter.ledger.store.StoredEntry;
import dev.arbiter.server.TestServer.Response;
import dev.arbiter.server.engine.KeyRegistry;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Proof of possession at key enrolment ({@code POST /v1/keys}), over real HTTP with real tokens and
 * keys. Each refusal is a 400 {@code key-proof-rejected} with its reason, writes no {@code
 * key.enrolled}, and is visible on {@code sys:keys} as {@code key.enrolment_rejected}.
 */
class KeyEnrolmentProofTest extends ServerTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private final SigningKey aliceKey = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);
  private final String alice = TestIdentity.token("alice", "supervisor");
  private final String mallory = TestIdentity.token("mallory", "supervisor");

  private JsonNode keyChallenge(String token, SigningKey key) throws Exception {
    Response r = t.postAs(token, "/v1/keys/challenge", UUID.randomUUID().toString(),
        TestServer.JSON.createObjectNode().put("public_key", key.verifyingKey().toSpkiPem()).toString());
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.json();
  }

  private Response post(String token, String pem, JsonNode proof) throws Exception {
    return t.postAs(token, "/v1/keys", UUID.randomUUID().toString(), TestServer.enrolBody(pem, proof));
  }

  private static ObjectNode proof(SigningKey key, String subject, Instant issuedAt) {
    return EnrolmentProof.sign(new EnrolmentStatement(subject, key.keyId(), issuedAt), key).toJson();
  }

  private ObjectNode freshProof(String token, SigningKey key) throws Exception {
    return EnrolmentProof.sign(EnrolmentStatement.fromJson(keyChallenge(token, key).get("statement")), key).toJson();
  }

  /** Refused with {@code reason}, recorded on sys:keys with it, and the key not enrolled. */
  private void assertRefused(Response r, String reason, String subject, SigningKey key) throws Exception {
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/key-proof-rejected");
    assertThat(r.json().get("reason").asText()).isEqualTo(reason);
    assertThat(r.body()).doesNotContain("BEGIN");
    List<JsonNode> refusals = payloads("key.enrolment_rejected");
    assertThat(refusals).as("refusal recorded on sys:keys").anySatisfy(p -> {
      assertThat(p.get("reason").asText()).isEqualTo(reason);
      assertThat(p.get("subject").asText()).isEqualTo(subject);
      assertThat(p.get("key_id").asText()).isEqualTo(key.keyId().value());
      assertThat(p.has("signature")).isFalse();
    });
    assertThat(payloads("key.enrolled")).noneMatch(p -> p.get("key_id").asText().equals(key.keyId().value()));
    assertThat(t.server.engine().keys().find(key.keyId())).isEmpty();
  }

  private List<JsonNode> payloads(String eventType) throws Exception {
    List<JsonNode> out = new java.util.ArrayList<>();
    for (StoredEntry e : t.entries(KeyRegistry.STREAM)) {
      if (e.eventType().equals(eventType)) {
        out.add(t.payload(e));
      }
    }
    return out;
  }

  @Test
  void challenge_namesTheCallerAndTheKey_andItsSigningInputIsTheStatementsOwn() throws Exception {
    JsonNode issued = keyChallenge(alice, aliceKey);
    EnrolmentStatement st = EnrolmentStatement.fromJson(issued.get("statement"));
    assertThat(st.subject()).isEqualTo("alice");
    assertThat(st.keyId()).isEqualTo(aliceKey.keyId());
    assertThat(st.issuedAt()).isEqualTo(t.clock.instant().truncatedTo(ChronoUnit.SECONDS));
    assertThat(Base64.getDecoder().decode(issued.get("signing_input").asText())).isEqualTo(st.signingInput());
    assertThat(t.entries(KeyRegistry.STREAM)).as("a challenge records nothing").isEmpty();
  }

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void aValidProof_enrols_andKeyEnrolledCarriesAProofAnAuditorCanVerifyOffline(KeyAlgorithm alg) throws Exception {
    SigningKey key = SigningKey.generate(alg, RANDOM);
    Response r = t.enrol(alice, key);
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    assertThat(r.json().get("algorithm").asText()).isEqualTo(alg.wireName());

    // The auditor's check, from the ledger alone: the recorded key signed a statement naming the
    // recorded subject and key.
    JsonNode enrolled = payloads("key.enrolled").get(0);
    VerifyingKey recorded = VerifyingKey.fromPem(enrolled.get("public_key").asText());
    EnrolmentProof proof = EnrolmentProof.fromJson(enrolled.get("proof"));
    proof.verifySignature(recorded);
    assertThat(proof.statement().subject()).isEqualTo(enrolled.get("subject").asText()).isEqualTo("alice");
    assertThat(proof.statement().keyId().value()).isEqualTo(enrolled.get("key_id").asText());
    assertThat(enrolled.get("proof_context").asText()).isEqualTo(EnrolmentStatement.CONTEXT);

    assertThat(t.enrol(alice, key).status()).as("enrolling one's own key again").isEqualTo(200);
  }

  @Test
  void squattingSomebodyElsesPublicKey_withoutItsPrivateKey_isRefused_andTheOwnerCanThenEnrolIt() throws Exception {
    String alicePem = aliceKey.verifyingKey().toSpkiPem();
    // Mallory has only Alice's public key: no proof, or a statement for herself signed by her own key.
    assertRefused(post(mallory, alicePem, null), "proof_missing", "mallory", aliceKey);
    SigningKey malloryKey = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);
    ObjectNode forged = EnrolmentProof.sign(new EnrolmentStatement("mallory", malloryKey.keyId(), t.clock.instant()), malloryKey)
        .toJson();
    ((ObjectNode) forged.get("statement")).put("key_id", aliceKey.keyId().value());
    assertRefused(post(mallory, alicePem, forged), "bad_signature", "mallory", aliceKey);

    Response owner = t.enrol(alice, aliceKey);
    assertThat(owner.status()).as(owner.toString()).isEqualTo(201);
    assertThat(owner.json().get("subject").asText()).isEqualTo("alice");
  }

  @Test
  void aProofSignedForAnotherSubject_isRefused() throws Exception {
    // The key's holder signs a statement naming bob but enrols under her own token.
    ObjectNode forBob = proof(aliceKey, "bob", t.clock.instant());
    assertRefused(post(alice, aliceKey.verifyingKey().toSpkiPem(), forBob), "subject_mismatch", "alice", aliceKey);
  }

  @Test
  void aCapturedProof_replayedUnderAnotherToken_isRefused_andStillWorksForItsSubject() throws Exception {
    ObjectNode alicesProof = freshProof(alice, aliceKey);
    String pem = aliceKey.verifyingKey().toSpkiPem();
    assertRefused(post(mallory, pem, alicesProof), "subject_mismatch", "mallory", aliceKey);
    assertThat(post(alice, pem, alicesProof).status()).isEqualTo(201);
  }

  @Test
  void aStaleProof_isRefused() throws Exception {
    ObjectNode proof = freshProof(alice, aliceKey);
    t.clock.advance(EnrolmentProof.WINDOW.plusSeconds(1));
    assertRefused(post(alice, aliceKey.verifyingKey().toSpkiPem(), proof), "proof_stale", "alice", aliceKey);
  }

  @Test
  void aProofFromTheFuture_isRefused() throws Exception {
    ObjectNode ahead = proof(aliceKey, "alice", t.clock.instant().plus(EnrolmentProof.WINDOW).plusSeconds(2));
    assertRefused(post(alice, aliceKey.verifyingKey().toSpkiPem(), ahead), "proof_from_future", "alice", aliceKey);
  }

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void aTamperedSignature_isRefused(KeyAlgorithm alg) throws Exception {
    SigningKey key = SigningKey.generate(alg, RANDOM);
    ObjectNode proof = freshProof(alice, key);
    byte[] sig = Base64.getDecoder().decode(proof.get("signature").asText());
    sig[sig.length / 2] ^= 0x10;
    proof.put("signature", Base64.getEncoder().encodeToString(sig));
    assertRefused(post(alice, key.verifyingKey().toSpkiPem(), proof), "bad_signature", "alice", key);
  }

  @Test
  void anApprovalSignatureOverTheStatement_isRefused() throws Exception {
    // Domain separation: the same canonical JSON signed under the approval context is not a proof.
    ObjectNode proof = freshProof(alice, aliceKey);
    EnrolmentStatement st = EnrolmentStatement.fromJson(proof.get("statement"));
    byte[] approvalInput = dev.arbiter.core.crypto.DomainSeparation.signingInput(Challenge.CONTEXT,
        dev.arbiter.core.canonical.CanonicalJson.encode(st.toJson()));
    proof.put("signature", Base64.getEncoder().encodeToString(aliceKey.sign(approvalInput)));
    assertRefused(post(alice, aliceKey.verifyingKey().toSpkiPem(), proof), "bad_signature", "alice", aliceKey);
  }

  @Test
  void aProofForAnotherKey_isRefused() throws Exception {
    SigningKey other = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);
    assertRefused(post(alice, aliceKey.verifyingKey().toSpkiPem(), freshProof(alice, other)), "key_mismatch", "alice", aliceKey);
  }

  @Test
  void aMalformedProof_isRefused() throws Exception {
    ObjectNode proof = freshProof(alice, aliceKey);
    ((ObjectNode) proof.get("statement")).put("issued_at", "yesterday");
    assertRefused(post(alice, aliceKey.verifyingKey().toSpkiPem(), proof), "proof_malformed", "alice", aliceKey);
    assertRefused(post(alice, aliceKey.verifyingKey().toSpkiPem(), TestServer.JSON.createObjectNode()), "proof_malformed",
        "alice", aliceKey);
  }

  @Test
  void refusalsRecordedPerSubject_areBounded_butStillRefused() throws Exception {
    String pem = aliceKey.verifyingKey().toSpkiPem();
    for (int i = 0; i < 25; i++) {
      assertThat(post(mallory, pem, null).status()).isEqualTo(400);
    }
    assertThat(payloads("key.enrolment_rejected")).hasSize(20);
  }

  @Test
  void aLedgerWhoseKeyEnrolledEventsHaveNoProof_stillReplays_andItsKeysStillApprove() throws Exception {
    // What an engine before proofs of possession recorded: no `proof`, no `proof_context`.
    SigningKey legacy = SigningKey.generate(KeyAlgorithm.ECDSA_P256, RANDOM);
    Instant at = t.clock.instant();
    ObjectNode payload = TestServer.JSON.createObjectNode().put("key_id", legacy.keyId().value()).put("subject", "alice")
        .put("algorithm", legacy.algorithm().wireName()).put("public_key", legacy.verifyingKey().toSpkiPem())
        .put("enrolled_at", at.toString());
    t.ledger.append(new EventDraft(KeyRegistry.STREAM, "key.enrolled", t.server.engine().activePolicy().hash(),
        new Actor("alice", "approver"), payload)).get(10, TimeUnit.SECONDS);
    // and a refusal about that key recorded by this version, which the replay must skip
    assertThat(post(mallory, legacy.verifyingKey().toSpkiPem(), null).status()).isEqualTo(400);

    t.restart();

    assertThat(t.server.engine().keys().find(legacy.keyId())).get()
        .satisfies(k -> assertThat(k.subject()).isEqualTo("alice"));
    Response again = t.enrol(alice, legacy);
    assertThat(again.status()).as("already enrolled, by the replayed event").isEqualTo(200);
    assertThat(again.json().get("enrolled_at").asText()).isEqualTo(at.toString());

    String id = t.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY).json().get("decision_id").asText();
    Response issued = t.postAs(alice, "/v1/decisions/" + id + "/challenge", UUID.randomUUID().toString(), "{}");
    byte[] input = Base64.getDecoder().decode(issued.json().get("signing_input").asText());
    ObjectNode body = TestServer.JSON.createObjectNode();
    body.set("challenge", issued.json().get("challenge"));
    body.put("key_id", legacy.keyId().value()).put("signature", Base64.getEncoder().encodeToString(legacy.sign(input)))
        .put("rationale", "reviewed");
    Response approved = t.postAs(alice, "/v1/decisions/" + id + "/approvals", UUID.randomUUID().toString(), body.toString());
    assertThat(approved.status()).as(approved.toString()).isEqualTo(200);
    assertThat(approved.json().get("approvals").get("accepted").get(0).get("key_id").asText()).isEqualTo(legacy.keyId().value());
  }

  @Test
  void theWindowIsFiveMinutes() {
    assertThat(EnrolmentProof.WINDOW).isEqualTo(Duration.ofMinutes(5));
  }
}
