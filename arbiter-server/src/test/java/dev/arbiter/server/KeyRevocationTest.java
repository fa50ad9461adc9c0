package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.approval.Challenge;
import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.event.Actor;
import dev.arbiter.ledger.event.EventDraft;
import dev.arbiter.ledger.store.StoredEntry;
import dev.arbiter.server.TestServer.Response;
import dev.arbiter.server.engine.KeyRegistry;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A revoked key never approves again: not when the ledger confirms its revocation late, not after a
 * restart; and a {@code sys:keys} trail the engine would never write stops the start instead of
 * building a registry that approves with keys the trail says are not theirs.
 */
class KeyRevocationTest extends ServerTest {
  private final SigningKey aliceKey = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
  private final String alice = TestIdentity.token("alice", "supervisor");

  private String pendingDeploy() throws Exception {
    Response r = t.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY);
    assertThat(r.json().get("status").asText()).as(r.toString()).isEqualTo("pending_authority");
    return r.json().get("decision_id").asText();
  }

  private Response approveWithAlice(String id) throws Exception {
    Response issued = t.postAs(alice, "/v1/decisions/" + id + "/challenge", UUID.randomUUID().toString(),
        "{\"intent\": \"approve\"}");
    assertThat(issued.status()).as(issued.toString()).isEqualTo(201);
    JsonNode c = issued.json();
    byte[] input = Base64.getDecoder().decode(c.get("signing_input").asText());
    assertThat(input).isEqualTo(Challenge.fromJson(c.get("challenge")).signingInput());
    ObjectNode body = TestServer.JSON.createObjectNode();
    body.set("challenge", c.get("challenge"));
    body.put("key_id", aliceKey.keyId().value()).put("signature", Base64.getEncoder().encodeToString(aliceKey.sign(input)))
        .put("rationale", "reviewed");
    return t.postAs(alice, "/v1/decisions/" + id + "/approvals", UUID.randomUUID().toString(), body.toString());
  }

  private Response revoke() throws Exception {
    return t.postAs(alice, "/v1/keys/revoke", UUID.randomUUID().toString(),
        "{\"key_id\": \"" + aliceKey.keyId().value() + "\"}");
  }

  private List<String> keyEvents() throws Exception {
    return t.entries(KeyRegistry.STREAM).stream().map(StoredEntry::eventType).toList();
  }

  /** Holds SQLite's write lock from another connection for longer than the engine waits for the ledger (3 s). */
  private Thread stallLedger(CountDownLatch held, AtomicReference<Throwable> failed) {
    return Thread.ofPlatform().start(() -> {
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ledger.db"));
          Statement st = c.createStatement()) {
        st.execute("BEGIN IMMEDIATE");
        held.countDown();
        Thread.sleep(4_500);
        st.execute("ROLLBACK");
      } catch (Throwable e) {
        failed.set(e);
        held.countDown();
      }
    });
  }

  @Test
  void aRevocationTheLedgerConfirmsLate_keepsTheKeyRevoked_andARetryRecordsIt() throws Exception {
    assertThat(t.enrol(alice, aliceKey).status()).isEqualTo(201);
    String id = pendingDeploy();
    CountDownLatch held = new CountDownLatch(1);
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread stall = stallLedger(held, failed);
    held.await();
    assertThat(failed.get()).isNull();

    Response unconfirmed = revoke();
    assertThat(unconfirmed.status()).as(unconfirmed.toString()).isEqualTo(503);
    stall.join();
    assertThat(failed.get()).isNull();

    Response approval = approveWithAlice(id);
    assertThat(approval.status()).as(approval.toString()).isEqualTo(403);
    assertThat(approval.json().get("reason").asText()).isEqualTo("key_revoked");

    assertThat(revoke().status()).isEqualTo(200); // the retry records it (again, if the first landed late)
    assertThat(keyEvents()).contains("key.revoked").doesNotContain("approval.added");

    t.restart(); // a second key.revoked replays as one
    Response afterRestart = approveWithAlice(id);
    assertThat(afterRestart.status()).as(afterRestart.toString()).isEqualTo(403);
    assertThat(afterRestart.json().get("reason").asText()).isEqualTo("key_revoked");
    assertThat(t.trail(id)).doesNotContain("approval.added");
  }

  private StoredEntry first(String type) throws Exception {
    return t.entries(KeyRegistry.STREAM).stream().filter(e -> e.eventType().equals(type)).findFirst().orElseThrow();
  }

  private void appendKeyEvent(String type, JsonNode payload, String actor) {
    t.ledger.append(new EventDraft(KeyRegistry.STREAM, type, t.server.engine().activePolicy().hash(),
        new Actor(actor, "approver"), payload)).join();
  }

  @Test
  void aKeyEnrolledAgainAfterItsRevocation_stopsTheStart() throws Exception {
    assertThat(t.enrol(alice, aliceKey).status()).isEqualTo(201);
    assertThat(revoke().status()).isEqualTo(200);
    appendKeyEvent("key.enrolled", t.payload(first("key.enrolled")), "alice");

    assertThatThrownBy(t::restart).hasStackTraceContaining("enrolled again after its revocation")
        .hasStackTraceContaining("leaf ");
  }

  @Test
  void aKeyEnrolledAgainByAnotherSubject_keepsItsFirstOwner() throws Exception {
    assertThat(t.enrol(alice, aliceKey).status()).isEqualTo(201);
    ObjectNode squatted = ((ObjectNode) t.payload(first("key.enrolled"))).put("subject", "mallory");
    appendKeyEvent("key.enrolled", squatted, "mallory");

    t.restart(); // an older engine could have written this (an enrolment whose append timed out)
    assertThat(approveWithAlice(pendingDeploy()).status()).as("alice keeps her key").isEqualTo(200);
  }

  @Test
  void aKeyEnrolledAgainByAnotherSubject_andRevokedByThatSubject_isRevokedForBoth() throws Exception {
    assertThat(t.enrol(alice, aliceKey).status()).isEqualTo(201);
    ObjectNode squatted = ((ObjectNode) t.payload(first("key.enrolled"))).put("subject", "mallory");
    appendKeyEvent("key.enrolled", squatted, "mallory");
    appendKeyEvent("key.revoked", TestServer.JSON.createObjectNode().put("key_id", aliceKey.keyId().value())
        .put("subject", "mallory").put("revoked_at", "2026-01-01T00:00:00Z"), "mallory");

    t.restart(); // an older engine could have written this trail: the start must not fail on it
    Response refused = approveWithAlice(pendingDeploy());
    assertThat(refused.status()).as(refused.toString()).isEqualTo(403);
    assertThat(refused.json().get("reason").asText()).isEqualTo("key_revoked");
  }

  @Test
  void anEnrolmentTheLedgerConfirmsLate_keepsTheKeyFromAnotherSubject() throws Exception {
    CountDownLatch held = new CountDownLatch(1);
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread stall = stallLedger(held, failed);
    held.await();
    assertThat(t.enrol(alice, aliceKey).status()).isEqualTo(503);
    stall.join();
    assertThat(failed.get()).isNull();

    Response other = t.enrol(TestIdentity.token("alice-admin", "supervisor"), aliceKey);
    assertThat(other.status()).as(other.toString()).isEqualTo(409);
    assertThat(t.enrol(alice, aliceKey).status()).as("the owner's retry records it").isIn(200, 201);
    t.restart();
    assertThat(approveWithAlice(pendingDeploy()).status()).isEqualTo(200);
  }

  @Test
  void aRevocationByAnotherSubjectThanTheOwner_stopsTheStart() throws Exception {
    assertThat(t.enrol(alice, aliceKey).status()).isEqualTo(201);
    ObjectNode byOther = TestServer.JSON.createObjectNode().put("key_id", aliceKey.keyId().value())
        .put("subject", "mallory").put("revoked_at", "2026-01-01T00:00:00Z");
    appendKeyEvent("key.revoked", byOther, "mallory");
    assertThatThrownBy(t::restart).hasStackTraceContaining("for another subject than its owner");
  }

  @Test
  void theSameEnrolmentOrRevocationRecordedTwice_replaysAsOne() throws Exception {
    assertThat(t.enrol(alice, aliceKey).status()).isEqualTo(201);
    appendKeyEvent("key.enrolled", t.payload(first("key.enrolled")), "alice"); // a retry after a late confirmation
    t.restart();
    String id = pendingDeploy();
    assertThat(approveWithAlice(id).status()).as("the key still approves").isEqualTo(200);

    assertThat(revoke().status()).isEqualTo(200);
    appendKeyEvent("key.revoked", t.payload(first("key.revoked")), "alice");
    t.restart();
    Response refused = approveWithAlice(pendingDeploy());
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.json().get("reason").asText()).isEqualTo("key_revoked");
  }
}
