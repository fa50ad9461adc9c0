package dev.arbiter.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.event.Actor;
import dev.arbiter.ledger.event.EventDraft;
import dev.arbiter.ledger.receipt.ReceiptVerifier;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import dev.arbiter.ledger.verify.LedgerVerifier;
import dev.arbiter.ledger.verify.VerificationReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code appendAll(drafts, then)}: follow-up events built from the receipts of the first ones, in the
 * same commit (how a grant, which carries its authorising event's receipt, and its {@code
 * grant.issued} are recorded together).
 */
class AppendContinuationTest {
  @TempDir Path dir;

  private static EventDraft followUp(String stream, AppendedEvent of) {
    return new EventDraft(stream, "grant.issued", null, new Actor("engine", "system"), JsonNodeFactory.instance.objectNode()
        .put("receipt_leaf_index", of.receipt().leafIndex()).put("receipt_tree_size", of.receipt().checkpoint().treeSize()));
  }

  @Test
  void followUpEvents_carryTheFirstReceipt_andEverythingVerifies() throws Exception {
    SigningKey key = TestLedgers.newKey();
    Path db = dir.resolve("l.db");
    List<AppendedEvent> events;
    try (Ledger ledger = TestLedgers.open(db, key)) {
      TestLedgers.fill(ledger, 1, 3, 1); // leaves 0..2
      List<EventDraft> trail = List.of(TestLedgers.draft("dec_a", "decision.created", 1),
          TestLedgers.draft("dec_a", "enforcement.result", 2));
      events = ledger.appendAll(trail, first -> List.of(followUp("dec_a", first.get(first.size() - 1)))).join();
    }
    assertThat(events).hasSize(3);
    AppendedEvent authorising = events.get(1);
    AppendedEvent issued = events.get(2);
    assertThat(authorising.receipt().leafIndex()).isEqualTo(4);
    assertThat(authorising.receipt().checkpoint().treeSize()).as("a checkpoint right after the first part").isEqualTo(5);
    assertThat(issued.receipt().leafIndex()).isEqualTo(5);
    assertThat(issued.receipt().checkpoint().treeSize()).isEqualTo(6);
    assertThat(issued.envelope().streamSeq()).as("the stream goes on").isEqualTo(2);
    assertThat(issued.envelope().payload().get("receipt_leaf_index").asLong()).isEqualTo(4);
    assertThat(issued.envelope().payload().get("receipt_tree_size").asLong()).isEqualTo(5);
    ReceiptVerifier receipts = new ReceiptVerifier(key.verifyingKey());
    for (AppendedEvent e : events) {
      receipts.verify(e.receipt());
    }
    try (SqliteLedgerStore store = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
      VerificationReport report = new LedgerVerifier(store, key.verifyingKey(), null, null).verify();
      assertThat(report.entries()).isEqualTo(6);
      assertThat(store.checkpoint(5)).as("the intermediate checkpoint is stored").isPresent();
    }
  }

  @Test
  void aFailingFollowUp_leavesTheAppendItself() throws Exception {
    try (Ledger ledger = TestLedgers.open(dir.resolve("l.db"), TestLedgers.newKey())) {
      List<AppendedEvent> events = ledger.appendAll(List.of(TestLedgers.draft("dec_b", "decision.created", 1)), first -> {
        throw new IllegalStateException("no grant today");
      }).join();
      assertThat(events).hasSize(1);
      assertThat(ledger.appendAll(List.of(TestLedgers.draft("dec_b", "decision.cancelled", 2))).join().get(0)
          .envelope().streamSeq()).isEqualTo(1);
    }
  }

  @Test
  void concurrentAppends_withAndWithoutFollowUps_keepEveryStreamChainedAndVerify() throws Exception {
    SigningKey key = TestLedgers.newKey();
    Path db = dir.resolve("l.db");
    List<CompletableFuture<List<AppendedEvent>>> futures = new ArrayList<>();
    try (Ledger ledger = TestLedgers.open(db, key)) {
      for (int i = 0; i < 3000; i++) {
        String stream = "dec_c" + (i % 40);
        List<EventDraft> drafts = List.of(TestLedgers.draft(stream, "decision.created", i));
        futures.add(i % 2 == 0 ? ledger.appendAll(drafts, first -> List.of(followUp(stream, first.get(0))))
            : ledger.appendAll(drafts));
      }
      ReceiptVerifier receipts = new ReceiptVerifier(key.verifyingKey());
      for (int i = 0; i < futures.size(); i++) {
        List<AppendedEvent> got = futures.get(i).join();
        assertThat(got).hasSize(i % 2 == 0 ? 2 : 1);
        for (AppendedEvent e : got) {
          receipts.verify(e.receipt());
        }
        if (got.size() == 2) {
          // after its own first part; other appends to the same stream in the same commit may come between
          assertThat(got.get(1).envelope().streamSeq()).isGreaterThan(got.get(0).envelope().streamSeq());
          assertThat(got.get(1).receipt().leafIndex()).isGreaterThan(got.get(0).receipt().leafIndex());
        }
      }
    }
    try (SqliteLedgerStore store = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
      assertThat(new LedgerVerifier(store, key.verifyingKey(), null, null).verify().entries()).isEqualTo(4500);
    }
  }
}
