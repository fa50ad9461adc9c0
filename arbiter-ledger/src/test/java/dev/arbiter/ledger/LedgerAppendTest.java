package dev.arbiter.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.merkle.InMemoryNodes;
import dev.arbiter.ledger.merkle.MerkleProofs;
import dev.arbiter.ledger.merkle.Rfc9162;
import dev.arbiter.ledger.receipt.Receipt;
import dev.arbiter.ledger.receipt.ReceiptVerificationException;
import dev.arbiter.ledger.receipt.ReceiptVerifier;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerAppendTest {
  @TempDir Path dir;

  @Test
  void append_returnsReceiptsThatVerifyOfflineWithThePublicKeyOnly() throws Exception {
    SigningKey key = TestLedgers.newKey();
    List<AppendedEvent> events;
    try (Ledger ledger = TestLedgers.open(dir.resolve("l.db"), key)) {
      events = TestLedgers.fill(ledger, 5, 7, 3);
    }
    ReceiptVerifier verifier = new ReceiptVerifier(key.verifyingKey());
    for (AppendedEvent e : events) {
      verifier.verify(e.receipt());
      // Bound to the event itself: whoever holds the envelope can recompute the entry hash.
      verifier.verifyEvent(Receipt.fromJson(e.receipt().toJson()), e.envelope().canonicalBytes(), e.receipt().checkpoint().ledgerId());
    }
    AppendedEvent first = events.get(0);
    AppendedEvent second = events.get(1);
    assertThatThrownBy(() -> verifier.verifyEvent(first.receipt(), second.envelope().canonicalBytes(),
        first.receipt().checkpoint().ledgerId())).isInstanceOf(ReceiptVerificationException.class);
    byte[] altered = first.envelope().canonicalBytes();
    altered[altered.length - 20] ^= 1;
    assertThatThrownBy(() -> verifier.verifyEvent(first.receipt(), altered, first.receipt().checkpoint().ledgerId()))
        .isInstanceOf(ReceiptVerificationException.class);
    assertThat(events).extracting(e -> e.receipt().leafIndex()).containsExactlyElementsOf(
        IntStream.range(0, 35).mapToObj(i -> (long) i).toList());
  }

  /**
   * The writer lets go of the Merkle tiles a batch completed before the next batch (so they do not
   * outlive a young collection): receipts of a batch that completes tiles must still verify, and
   * proofs for leaves in those tiles, asked later, come back from the store and verify too.
   */
  @Test
  void receiptsAcrossTileBoundaries_andLaterProofsOfThoseLeaves_verify() throws Exception {
    SigningKey key = TestLedgers.newKey();
    ReceiptVerifier verifier = new ReceiptVerifier(key.verifyingKey());
    try (Ledger ledger = TestLedgers.open(dir.resolve("l.db"), key)) {
      List<AppendedEvent> first = TestLedgers.fill(ledger, 1, 700, 5); // one batch: completes tiles 0 and 1
      for (AppendedEvent e : first) {
        verifier.verify(e.receipt());
      }
      List<AppendedEvent> later = TestLedgers.fill(ledger, 3, 300, 7); // more batches, completing tiles 2..5
      for (AppendedEvent e : later) {
        verifier.verify(e.receipt());
      }
      Checkpoint cp = ledger.latestCheckpoint();
      assertThat(cp.treeSize()).isEqualTo(1600);
      for (long leaf : new long[] {0, 1, 255, 256, 511, 512, 699, 700, 1023, 1024, 1535, 1536, 1599}) {
        AppendedEvent e = leaf < 700 ? first.get((int) leaf) : later.get((int) leaf - 700);
        Receipt again = new Receipt(leaf, e.receipt().entryHash(), ledger.inclusionProof(leaf, cp.treeSize()), cp);
        verifier.verify(again);
      }
      // Nothing is proved against a size no checkpoint signed.
      assertThatThrownBy(() -> ledger.inclusionProof(0, cp.treeSize() + 1)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("beyond the latest checkpoint");
      assertThatThrownBy(() -> ledger.consistencyProof(1, cp.treeSize() + 1)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void append_assignsStreamSequencesAndChainsEachStream() throws Exception {
    SigningKey key = TestLedgers.newKey();
    try (Ledger ledger = TestLedgers.open(dir.resolve("l.db"), key)) {
      List<AppendedEvent> events = TestLedgers.fill(ledger, 3, 4, 2);
      Map<String, byte[]> prev = new HashMap<>();
      Map<String, Long> seq = new HashMap<>();
      for (AppendedEvent e : events) {
        String s = e.envelope().streamId();
        long expectedSeq = seq.merge(s, 0L, (a, b) -> a + 1);
        assertThat(e.envelope().streamSeq()).isEqualTo(expectedSeq);
        byte[] p = prev.getOrDefault(s, EntryHash.genesis());
        assertThat(e.receipt().entryHash().matches(EntryHash.compute(p, e.envelope().canonicalBytes()))).isTrue();
        prev.put(s, e.receipt().entryHash().bytes());
        assertThat(e.envelope().leafIndex()).isEqualTo(e.receipt().leafIndex());
      }
    }
  }

  @Test
  void appendAll_isAtomicAndConsecutive_underOneCheckpoint() throws Exception {
    try (Ledger ledger = TestLedgers.open(dir.resolve("l.db"), TestLedgers.newKey())) {
      List<AppendedEvent> batch = TestLedgers.fill(ledger, 1, 6, 1);
      Checkpoint cp = batch.get(5).receipt().checkpoint();
      assertThat(batch).allSatisfy(e -> assertThat(e.receipt().checkpoint()).isEqualTo(cp));
      assertThat(cp.treeSize()).isEqualTo(6);
    }
  }

  @Test
  void concurrentAppends_shareCommits_andEveryReceiptVerifies() throws Exception {
    SigningKey key = TestLedgers.newKey();
    List<AppendedEvent> all = Collections.synchronizedList(new ArrayList<>());
    try (Ledger ledger = TestLedgers.open(dir.resolve("l.db"), key)) {
      List<CompletableFuture<AppendedEvent>> futures = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        futures.add(ledger.append(TestLedgers.draft("dec_c" + (i % 50), "decision.created", i)));
      }
      futures.forEach(f -> all.add(f.join()));
      long checkpoints = all.stream().map(e -> e.receipt().checkpoint().treeSize()).distinct().count();
      assertThat(checkpoints).as("group commit: fewer checkpoints than appends").isLessThan(2000);
    }
    ReceiptVerifier verifier = new ReceiptVerifier(key.verifyingKey());
    for (AppendedEvent e : all) {
      verifier.verify(e.receipt());
    }
    assertThat(all.stream().map(e -> e.receipt().leafIndex()).distinct().count()).isEqualTo(2000);
  }

  @Test
  void treeMatchesAnInMemoryTree_acrossTileBoundaries() throws Exception {
    try (Ledger ledger = TestLedgers.open(dir.resolve("l.db"), TestLedgers.newKey())) {
      InMemoryNodes reference = new InMemoryNodes();
      int n = 0;
      for (int size : new int[] {1, 255, 256, 257, 511, 512, 1000, 65_535, 65_536, 65_600}) {
        List<dev.arbiter.ledger.event.EventDraft> drafts = new ArrayList<>();
        for (; n < size; n++) {
          drafts.add(TestLedgers.draft("dec_t" + (n % 97), "decision.created", n));
          if (drafts.size() == 1024) {
            ledger.appendAll(drafts).join().forEach(e -> reference.append(Rfc9162.hashLeaf(e.receipt().entryHash().bytes())));
            drafts.clear();
          }
        }
        if (!drafts.isEmpty()) {
          ledger.appendAll(drafts).join().forEach(e -> reference.append(Rfc9162.hashLeaf(e.receipt().entryHash().bytes())));
        }
        assertThat(ledger.latestCheckpoint().rootHash().bytes()).isEqualTo(MerkleProofs.root(reference, size));
        for (long leaf : new long[] {0, size / 2, size - 1}) {
          assertThat(ledger.inclusionProof(leaf, size).stream().map(HashValue::bytes).toList())
              .containsExactlyElementsOf(MerkleProofs.inclusion(reference, leaf, size));
        }
        if (size > 1) {
          assertThat(ledger.consistencyProof(size / 3 + 1, size).stream().map(HashValue::bytes).toList())
              .containsExactlyElementsOf(MerkleProofs.consistency(reference, size / 3 + 1, size));
        }
      }
    }
  }

  @Test
  void reopen_continuesTheSameChainsAndTree() throws Exception {
    SigningKey key = TestLedgers.newKey();
    Path db = dir.resolve("l.db");
    AppendedEvent before;
    try (Ledger ledger = TestLedgers.open(db, key)) {
      before = TestLedgers.fill(ledger, 2, 300, 4).get(599);
    }
    try (Ledger ledger = TestLedgers.open(db, key)) {
      AppendedEvent after = ledger.append(TestLedgers.draft(before.envelope().streamId(), "policy.gate", 1)).join();
      assertThat(after.receipt().leafIndex()).isEqualTo(600);
      assertThat(after.envelope().streamSeq()).isEqualTo(before.envelope().streamSeq() + 1);
      new ReceiptVerifier(key.verifyingKey()).verify(after.receipt());
      new ReceiptVerifier(key.verifyingKey()).verify(before.receipt());
    }
  }

  @Test
  void open_withAnotherKey_isRefused() throws Exception {
    Path db = dir.resolve("l.db");
    try (Ledger ledger = TestLedgers.open(db, TestLedgers.newKey())) {
      TestLedgers.fill(ledger, 1, 3, 1);
    }
    assertThatThrownBy(() -> TestLedgers.open(db, TestLedgers.newKey()))
        .isInstanceOf(LedgerIntegrityException.class)
        .hasMessageContaining("signed by key");
  }

  @Test
  void open_refusesToExtendALedgerWhoseEntriesWereRewritten() throws Exception {
    Path db = dir.resolve("l.db");
    SigningKey key = TestLedgers.newKey();
    try (Ledger ledger = TestLedgers.open(db, key)) {
      TestLedgers.fill(ledger, 2, 10, 2);
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      st.execute("DROP TRIGGER entries_no_update");
      st.execute("UPDATE entries SET entry_hash = zeroblob(32) WHERE leaf_index = 3");
    }
    assertThatThrownBy(() -> TestLedgers.open(db, key))
        .isInstanceOf(LedgerIntegrityException.class)
        .hasMessageContaining("root");
  }

  @Test
  void receipt_forAnotherEntryOrWithAForgedCheckpoint_doesNotVerify() throws Exception {
    SigningKey key = TestLedgers.newKey();
    List<AppendedEvent> events;
    try (Ledger ledger = TestLedgers.open(dir.resolve("l.db"), key)) {
      events = TestLedgers.fill(ledger, 1, 8, 2);
    }
    ReceiptVerifier verifier = new ReceiptVerifier(key.verifyingKey());
    Receipt r = events.get(3).receipt();
    Receipt wrongEntry = new Receipt(r.leafIndex(), events.get(4).receipt().entryHash(), r.inclusionProof(), r.checkpoint());
    assertThatThrownBy(() -> verifier.verify(wrongEntry)).isInstanceOf(ReceiptVerificationException.class)
        .hasMessageContaining("inclusion proof does not verify");
    Checkpoint cp = r.checkpoint();
    Checkpoint forged = new Checkpoint(cp.ledgerId(), cp.treeSize(), events.get(0).receipt().entryHash(), cp.timestamp(),
        cp.keyId(), cp.signature());
    assertThatThrownBy(() -> verifier.verify(new Receipt(r.leafIndex(), r.entryHash(), r.inclusionProof(), forged)))
        .isInstanceOf(ReceiptVerificationException.class).hasMessageContaining("signature");
    assertThatThrownBy(() -> new ReceiptVerifier(TestLedgers.newKey().verifyingKey()).verify(r))
        .isInstanceOf(ReceiptVerificationException.class).hasMessageContaining("claims key");
    assertThatThrownBy(() -> verifier.verify(r, events.get(4).receipt().entryHash()))
        .isInstanceOf(ReceiptVerificationException.class);
    verifier.verify(r, r.entryHash(), cp.ledgerId());
    assertThatThrownBy(() -> verifier.verify(r, r.entryHash(), "ldg_another"))
        .isInstanceOf(ReceiptVerificationException.class).hasMessageContaining("from ledger");
  }

  @Test
  void failedCommit_acknowledgesNothing_andTheLedgerRecovers() throws Exception {
    Path db = dir.resolve("l.db");
    SigningKey key = TestLedgers.newKey();
    SqliteLedgerStore store = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.CREATE_IF_MISSING);
    try (Ledger ledger = Ledger.open(store, key, java.time.Clock.systemUTC(), LedgerOptions.defaults())) {
      TestLedgers.fill(ledger, 1, 5, 1);
      // Another writer takes the write lock: our commit cannot get it within the busy timeout... so
      // simulate the store failing instead: a trigger that refuses inserts, as a full disk would.
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
        st.execute("CREATE TRIGGER refuse BEFORE INSERT ON entries BEGIN SELECT RAISE(ABORT, 'disk full'); END");
      }
      assertThatThrownBy(() -> ledger.append(TestLedgers.draft("dec_x", "decision.created", 1)).join())
          .hasCauseInstanceOf(LedgerUnavailableException.class)
          .hasMessageContaining("could not confirm");
      assertThat(ledger.latestCheckpoint().treeSize()).isEqualTo(5);
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
        st.execute("DROP TRIGGER refuse");
      }
      AppendedEvent next = ledger.append(TestLedgers.draft("dec_x", "decision.created", 2)).join();
      assertThat(next.receipt().leafIndex()).isEqualTo(5);
      assertThat(next.envelope().streamSeq()).isZero();
      new ReceiptVerifier(key.verifyingKey()).verify(next.receipt());
    }
  }

  @Test
  void aCommitThatWaitsHalfASecond_isReportedInTheLog_andStillAcknowledged() throws Exception {
    Path db = dir.resolve("l.db");
    SigningKey key = TestLedgers.newKey();
    List<LogRecord> warnings = Collections.synchronizedList(new ArrayList<>());
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord r) {
        if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
          warnings.add(r);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger log = Logger.getLogger("dev.arbiter.ledger.internal.GroupCommitWriter");
    log.addHandler(capture);
    try (Ledger ledger = TestLedgers.open(db, key)) {
      TestLedgers.fill(ledger, 3, 4, 2);
      assertThat(warnings).isEmpty(); // quick commits say nothing
      // Another process holds the write lock for 700 ms: our commit waits for it (busy timeout),
      // as it would behind a disk that stalls, and the wait must show up in the log.
      CompletableFuture<AppendedEvent> appended;
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
        st.execute("BEGIN IMMEDIATE");
        appended = ledger.append(TestLedgers.draft("dec_slow", "decision.created", 1));
        Thread.sleep(700);
        st.execute("ROLLBACK");
      }
      assertThat(appended.join().receipt().leafIndex()).isEqualTo(12);
      assertThat(warnings).hasSize(1);
      String message = java.text.MessageFormat.format(warnings.get(0).getMessage(), warnings.get(0).getParameters());
      assertThat(message).startsWith("slow ledger commit: ").contains(" to write 1 event(s)");
      long ms = Long.parseLong(message.replaceAll("^slow ledger commit: (\\d+) ms .*", "$1"));
      assertThat(ms).isBetween(500L, 10_000L);
    } finally {
      log.removeHandler(capture);
    }
  }

  @Test
  void clockSteppingBack_neverMakesCheckpointsGoBackInTime_andTheLedgerVerifies() throws Exception {
    SigningKey key = TestLedgers.newKey();
    Path db = dir.resolve("l.db");
    java.util.concurrent.atomic.AtomicLong millis = new java.util.concurrent.atomic.AtomicLong(1_800_000_000_000L);
    java.time.Clock clock = new java.time.Clock() {
      @Override
      public java.time.ZoneId getZone() {
        return java.time.ZoneOffset.UTC;
      }

      @Override
      public java.time.Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public java.time.Instant instant() {
        return java.time.Instant.ofEpochMilli(millis.get());
      }
    };
    try (Ledger ledger = Ledger.open(SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.CREATE_IF_MISSING), key, clock,
        LedgerOptions.defaults())) {
      ledger.append(TestLedgers.draft("dec_a", "decision.created", 1)).join();
      millis.addAndGet(-3_600_000); // NTP steps the clock back an hour
      AppendedEvent later = ledger.append(TestLedgers.draft("dec_a", "policy.gate", 2)).join();
      assertThat(later.receipt().checkpoint().timestamp()).isEqualTo(Timestamps.format(java.time.Instant.ofEpochMilli(1_800_000_000_000L)));
    }
    try (SqliteLedgerStore store = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
      assertThat(new dev.arbiter.ledger.verify.LedgerVerifier(store, key.verifyingKey(), null, null).verify().entries()).isEqualTo(2);
    }
  }

  @Test
  void afterAFailedCommit_theWriterChecksWhatItReloads_andRefusesToSignOverRewrittenEntries() throws Exception {
    Path db = dir.resolve("l.db");
    SigningKey key = TestLedgers.newKey();
    try (Ledger ledger = TestLedgers.open(db, key)) {
      TestLedgers.fill(ledger, 1, 10, 2);
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
        // A hostile DBA rewrites a recent entry's hash, then makes one commit fail so the writer reloads.
        st.execute("DROP TRIGGER entries_no_update");
        st.execute("UPDATE entries SET entry_hash = zeroblob(32) WHERE leaf_index = 9");
        st.execute("CREATE TRIGGER refuse BEFORE INSERT ON entries BEGIN SELECT RAISE(ABORT, 'disk full'); END");
      }
      assertThatThrownBy(() -> ledger.append(TestLedgers.draft("dec_x", "decision.created", 1)).join())
          .hasCauseInstanceOf(LedgerUnavailableException.class);
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
        st.execute("DROP TRIGGER refuse");
      }
      assertThatThrownBy(() -> ledger.append(TestLedgers.draft("dec_x", "decision.created", 2)).join())
          .hasCauseInstanceOf(LedgerUnavailableException.class)
          .hasMessageContaining("refuses to extend");
      assertThatThrownBy(() -> ledger.append(TestLedgers.draft("dec_y", "decision.created", 3)).join())
          .hasMessageContaining("refuses to extend");
      assertThat(ledger.latestCheckpoint().treeSize()).isEqualTo(10);
    }
  }
}
