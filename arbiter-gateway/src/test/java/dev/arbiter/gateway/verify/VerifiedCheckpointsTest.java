package dev.arbiter.gateway.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.id.Ulid;
import dev.arbiter.ledger.AppendedEvent;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.LedgerOptions;
import dev.arbiter.ledger.checkpoint.CheckpointVerificationException;
import dev.arbiter.ledger.checkpoint.CheckpointVerifier;
import dev.arbiter.ledger.event.Actor;
import dev.arbiter.ledger.event.EventDraft;
import dev.arbiter.ledger.receipt.Receipt;
import dev.arbiter.ledger.receipt.ReceiptVerificationException;
import dev.arbiter.ledger.receipt.ReceiptVerifier;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint's signature is verified once; everything else about a receipt is still checked every
 * time, and a checkpoint that differs from a remembered one in any signed field or in its signature
 * is verified in full. Receipts from a real ledger.
 */
class VerifiedCheckpointsTest {
  @TempDir Path dir;
  final SigningKey ledgerKey = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
  Ledger ledger;
  VerifiedCheckpoints memo;
  ReceiptVerifier receipts;

  @BeforeEach
  void setUp() throws Exception {
    ledger = Ledger.open(SqliteLedgerStore.open(dir.resolve("l.db"), SqliteLedgerStore.Mode.CREATE_IF_MISSING), ledgerKey,
        Clock.systemUTC(), LedgerOptions.defaults());
    memo = new VerifiedCheckpoints(new CheckpointVerifier(ledgerKey.verifyingKey()), 4);
    receipts = new ReceiptVerifier(memo);
  }

  @AfterEach
  void tearDown() {
    ledger.close();
  }

  /** Receipts of events appended in one batch, so they share one checkpoint. */
  private List<Receipt> oneBatch(int n) {
    List<EventDraft> drafts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      drafts.add(new EventDraft("dec_" + Ulid.system().next(), "decision.evaluated", "sha256:p", new Actor("a", "system"),
          JsonNodeFactory.instance.objectNode().put("i", i)));
    }
    return ledger.appendAll(drafts).join().stream().map(AppendedEvent::receipt).toList();
  }

  @Test
  void verify_receiptsUnderOneCheckpoint_verifyItsSignatureOnce() throws Exception {
    List<Receipt> batch = oneBatch(5);
    assertThat(batch.stream().map(Receipt::checkpoint).distinct()).hasSize(1);
    for (Receipt r : batch) {
      receipts.verify(r);
    }
    assertThat(memo.signatureChecks()).isEqualTo(1);
  }

  @Test
  void verify_whenInclusionProofIsTamperedUnderARememberedCheckpoint_throws() throws Exception {
    List<Receipt> batch = oneBatch(5);
    receipts.verify(batch.get(0));
    ObjectNode json = batch.get(1).toJson();
    ArrayNode proof = (ArrayNode) json.get("inclusion_proof");
    proof.set(0, JsonNodeFactory.instance.textNode("00".repeat(32)));
    Receipt tampered = Receipt.fromJson(json);

    assertThatThrownBy(() -> receipts.verify(tampered)).isInstanceOf(ReceiptVerificationException.class)
        .hasMessageContaining("inclusion proof");
    ObjectNode otherLeaf = batch.get(1).toJson().put("entry_hash", "11".repeat(32));
    assertThatThrownBy(() -> receipts.verify(Receipt.fromJson(otherLeaf))).isInstanceOf(ReceiptVerificationException.class);
  }

  @Test
  void verify_whenSignatureOrContentOfARememberedCheckpointIsAltered_verifiesInFullAndThrows() throws Exception {
    Receipt good = oneBatch(3).get(0);
    receipts.verify(good);

    ObjectNode forgedSig = good.toJson();
    byte[] sig = Base64.getDecoder().decode(forgedSig.get("checkpoint").get("signature").asText());
    sig[7] ^= 1;
    ((ObjectNode) forgedSig.get("checkpoint")).put("signature", Base64.getEncoder().encodeToString(sig));
    assertThatThrownBy(() -> receipts.verify(Receipt.fromJson(forgedSig))).isInstanceOf(ReceiptVerificationException.class)
        .hasMessageContaining("signature");

    ObjectNode otherTime = good.toJson();
    ((ObjectNode) otherTime.get("checkpoint")).put("timestamp", "2020-01-01T00:00:00Z");
    assertThatThrownBy(() -> receipts.verify(Receipt.fromJson(otherTime))).isInstanceOf(ReceiptVerificationException.class);
    assertThat(memo.signatureChecks()).isEqualTo(3);
  }

  @Test
  void verify_whenCheckpointSignedByAnotherKey_isNeverRemembered() {
    SigningKey other = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
    VerifiedCheckpoints strict = new VerifiedCheckpoints(new CheckpointVerifier(other.verifyingKey()), 4);
    Receipt r = oneBatch(1).get(0);
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> strict.verify(r.checkpoint())).isInstanceOf(CheckpointVerificationException.class);
    }
    assertThat(strict.size()).isZero();
  }

  @Test
  void memo_staysWithinItsBound() throws Exception {
    for (int i = 0; i < 20; i++) {
      receipts.verify(oneBatch(1).get(0));
      assertThat(memo.size()).isLessThanOrEqualTo(4);
    }
    assertThat(memo.signatureChecks()).isEqualTo(20);
  }
}
