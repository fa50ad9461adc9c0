package dev.arbiter.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.receipt.ReceiptVerifier;
import dev.arbiter.ledger.store.LedgerStore;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import dev.arbiter.ledger.verify.LedgerVerifier;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer acknowledges an append only after the store's {@link LedgerStore#sync} covering its
 * commit returned, and stops for good when a sync fails. The store is the real SQLite store behind a
 * wrapper that can hold or fail {@code sync}.
 */
class LedgerSyncTest {
  @TempDir Path dir;
  final SigningKey key = TestLedgers.newKey();

  /** What runs while the store's syncs are held (until {@code store.hold} is counted down). */
  private interface HeldScenario {
    void run(Ledger ledger, HeldSyncStore store) throws Exception;
  }

  /**
   * Opens a ledger on {@code l.db} behind a {@link HeldSyncStore}, appends {@code prefill} events,
   * then holds every sync and runs {@code scenario}; releases the syncs afterwards whatever happened
   * (close() would otherwise wait for a held sync).
   */
  private void withSyncsHeld(LedgerOptions options, int prefill, HeldScenario scenario) throws Exception {
    HeldSyncStore store = new HeldSyncStore(SqliteLedgerStore.open(dir.resolve("l.db"), SqliteLedgerStore.Mode.CREATE_IF_MISSING));
    try (Ledger ledger = Ledger.open(store.asStore, key, Clock.systemUTC(), options)) {
      if (prefill > 0) {
        TestLedgers.fill(ledger, 1, prefill, 1);
      }
      store.hold = new CountDownLatch(1);
      try {
        scenario.run(ledger, store);
      } finally {
        store.hold.countDown();
      }
    }
  }

  @Test
  void anAppend_isCommittedBeforeItsSync_butAcknowledgedAndCheckpointedOnlyAfterIt() throws Exception {
    withSyncsHeld(LedgerOptions.defaults(), 3, (ledger, store) -> {
      int syncsBefore = store.syncs.get();

      CompletableFuture<AppendedEvent> f = ledger.append(TestLedgers.draft("dec_s", "decision.created", 1));

      assertThat(store.syncEntered.await(10, TimeUnit.SECONDS)).as("the writer asked for a sync").isTrue();
      assertThat(store.inner.size()).as("committed: the row is in the store").isEqualTo(4);
      Thread.sleep(200); // time enough for a wrong acknowledgement to show
      assertThat(f).as("not acknowledged while the sync is held").isNotDone();
      assertThat(ledger.latestCheckpoint().treeSize()).as("checkpoint not published before it is durable").isEqualTo(3);

      store.hold.countDown();
      AppendedEvent e = f.get(10, TimeUnit.SECONDS);
      assertThat(e.receipt().leafIndex()).isEqualTo(3);
      assertThat(ledger.latestCheckpoint().treeSize()).isEqualTo(4);
      assertThat(store.syncs.get()).isGreaterThan(syncsBefore);
      new ReceiptVerifier(key.verifyingKey()).verify(e.receipt());
    });
  }

  @Test
  void aFailedSync_failsItsAppends_andStopsTheWriterUntilTheLedgerIsReopened() throws Exception {
    Path db = dir.resolve("l.db");
    HeldSyncStore store = new HeldSyncStore(SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.CREATE_IF_MISSING));
    try (Ledger ledger = Ledger.open(store.asStore, key, Clock.systemUTC(), LedgerOptions.defaults())) {
      TestLedgers.fill(ledger, 1, 2, 1);
      store.failNext = true;

      assertThatThrownBy(() -> ledger.append(TestLedgers.draft("dec_f", "decision.created", 1)).join())
          .hasCauseInstanceOf(LedgerUnavailableException.class)
          .hasMessageContaining("could not make its writes durable")
          .hasMessageContaining("reopen");
      assertThat(ledger.latestCheckpoint().treeSize()).isEqualTo(2);
      // The next sync would succeed; the writer still refuses: a good fsync after a failed one
      // proves nothing about the pages the kernel could not write.
      assertThat(store.failNext).isFalse();
      assertThatThrownBy(() -> ledger.append(TestLedgers.draft("dec_f", "decision.created", 2)).join())
          .hasCauseInstanceOf(LedgerUnavailableException.class)
          .hasMessageContaining("could not make its writes durable");
    }
    // Reopened: the ledger loads what the store holds (the unacknowledged append is there: only the
    // sync failed), checks it against its signed checkpoint, and extends it.
    try (Ledger ledger = TestLedgers.open(db, key)) {
      AppendedEvent next = ledger.append(TestLedgers.draft("dec_g", "decision.created", 1)).join();
      assertThat(next.receipt().leafIndex()).isEqualTo(ledger.latestCheckpoint().treeSize() - 1);
      new ReceiptVerifier(key.verifyingKey()).verify(next.receipt());
    }
    try (SqliteLedgerStore reader = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
      assertThat(new LedgerVerifier(reader, key.verifyingKey(), null, null).verify().entries()).isEqualTo(4);
    }
  }

  /**
   * A group committed behind a sync that then fails is failed too, not acknowledged by the next sync:
   * Linux reports a write-back error once, so that sync may succeed, yet the group's WAL frames follow
   * the lost ones and crash recovery stops before them.
   */
  @Test
  void aGroupCommittedBehindAFailedSync_isFailed_notAcknowledgedByTheNextSync() throws Exception {
    withSyncsHeld(LedgerOptions.defaults(), 2, (ledger, store) -> {
      CompletableFuture<AppendedEvent> first = ledger.append(TestLedgers.draft("dec_a", "decision.created", 1));
      assertThat(store.syncEntered.await(10, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<AppendedEvent> behind = ledger.append(TestLedgers.draft("dec_b", "decision.created", 1));
      assertThat(waitForSize(store.inner, 4)).as("the second group is committed while the first one's sync is held").isTrue();
      failTheHeldSync_thenBothFail(ledger, store, first, behind, 2);
    });
  }

  /**
   * A commit fails while an earlier group's sync is held; the sequencer waits for the pipeline to
   * drain before it reloads; meanwhile the held sync fails. The reload must not run and publish the
   * unsynced group's checkpoint as the latest.
   */
  @Test
  void aSyncThatFailsWhileTheWriterWaitsToReload_leavesTheLatestCheckpointAlone() throws Exception {
    withSyncsHeld(LedgerOptions.defaults(), 2, (ledger, store) -> {
      CompletableFuture<AppendedEvent> a = ledger.append(TestLedgers.draft("dec_a", "decision.created", 1));
      assertThat(store.syncEntered.await(10, TimeUnit.SECONDS)).isTrue();
      try (java.sql.Connection conn = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("l.db"));
          java.sql.Statement st = conn.createStatement()) {
        st.execute("CREATE TRIGGER refuse BEFORE INSERT ON entries BEGIN SELECT RAISE(ABORT, 'disk full'); END");
        assertThatThrownBy(() -> ledger.append(TestLedgers.draft("dec_b", "decision.created", 1)).join())
            .hasMessageContaining("could not confirm");
        st.execute("DROP TRIGGER refuse");
      }
      CompletableFuture<AppendedEvent> c = ledger.append(TestLedgers.draft("dec_c", "decision.created", 1));
      Thread.sleep(100); // the sequencer now waits for the held group before it reloads
      failTheHeldSync_thenBothFail(ledger, store, a, c, 2);
    });
  }

  /**
   * Fails the held sync; then the append it covered and the one behind it both fail, and the latest
   * checkpoint stays where the last good sync left it.
   */
  private static void failTheHeldSync_thenBothFail(Ledger ledger, HeldSyncStore store, CompletableFuture<AppendedEvent> held,
      CompletableFuture<AppendedEvent> behind, long latest) {
    store.failNext = true;
    store.hold.countDown();

    assertThatThrownBy(held::join).hasCauseInstanceOf(LedgerUnavailableException.class);
    assertThatThrownBy(behind::join).hasCauseInstanceOf(LedgerUnavailableException.class)
        .hasMessageContaining("could not make its writes durable");
    assertThat(ledger.latestCheckpoint().treeSize()).isEqualTo(latest);
  }

  /**
   * While a sync stalls (a disk that stops answering), the committer writes at most a bounded number
   * of batches ahead of it; then the pipeline backs up and new appends fail fast at the full queue,
   * instead of piling up committed-but-unacknowledged batches in memory without limit.
   */
  @Test
  void whileASyncStalls_committedBatchesAreBounded_andNewAppendsFailFast() throws Exception {
    withSyncsHeld(new LedgerOptions(1024, 16, 8192, new java.security.SecureRandom()), 0,
        (ledger, store) -> appendWhileTheSyncIsHeld(ledger, store, key));
  }

  private static void appendWhileTheSyncIsHeld(Ledger ledger, HeldSyncStore store, SigningKey key) throws Exception {
    List<CompletableFuture<AppendedEvent>> accepted = new java.util.ArrayList<>();
    // One append at a time, each its own batch: wait until it is committed before the next.
    long size = store.inner.size();
    for (int i = 0; i < 200; i++) {
      accepted.add(ledger.append(TestLedgers.draft("dec_" + i, "decision.created", 1)));
      if (!waitForSize(store.inner, size + 1)) {
        break; // this one was sequenced, but the committer no longer takes batches
      }
      size++;
    }
    assertThat(size).as("batches committed while the sync is held").isBetween(60L, 70L);
    // The pipeline is full: appends queue up to the queue's capacity, then fail fast.
    Throwable refused = null;
    for (int i = 0; i < 100 && refused == null; i++) {
      CompletableFuture<AppendedEvent> f = ledger.append(TestLedgers.draft("dec_more_" + i, "decision.created", 1));
      if (f.isCompletedExceptionally()) {
        refused = f.handle((ok, err) -> err).join();
      } else {
        accepted.add(f);
      }
    }
    assertThat(refused).as("an append refused at the full queue").isNotNull()
        .hasCauseInstanceOf(LedgerUnavailableException.class).hasMessageContaining("queue is full");
    assertThat(accepted).noneMatch(CompletableFuture::isDone);

    store.hold.countDown();
    for (CompletableFuture<AppendedEvent> f : accepted) {
      new ReceiptVerifier(key.verifyingKey()).verify(f.get(30, TimeUnit.SECONDS).receipt());
    }
  }

  /** Waits (up to 2 s) until the store holds {@code size} entries; false if it does not. */
  private static boolean waitForSize(LedgerStore store, long size) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (store.size() < size) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(1);
    }
    return true;
  }

  /**
   * The real store behind a proxy ({@link #asStore}) whose {@code sync} can be held on a latch or made
   * to fail once; every other call goes straight to {@link #inner}.
   */
  static final class HeldSyncStore {
    final SqliteLedgerStore inner;
    final LedgerStore asStore;
    volatile CountDownLatch hold;
    final CountDownLatch syncEntered = new CountDownLatch(1);
    volatile boolean failNext;
    final AtomicInteger syncs = new AtomicInteger();

    HeldSyncStore(SqliteLedgerStore inner) {
      this.inner = inner;
      this.asStore = (LedgerStore) Proxy.newProxyInstance(LedgerStore.class.getClassLoader(),
          new Class<?>[] {LedgerStore.class}, (proxy, method, args) -> {
            if (method.getName().equals("sync") && method.getParameterCount() == 0) {
              sync();
              return null;
            }
            try {
              return method.invoke(inner, args);
            } catch (InvocationTargetException e) {
              throw e.getCause();
            }
          });
    }

    private void sync() throws LedgerStoreException {
      CountDownLatch h = hold;
      if (h != null) {
        syncEntered.countDown();
        try {
          h.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (failNext) {
        failNext = false;
        throw new LedgerStoreException("fsync: EIO (test)");
      }
      inner.sync();
      syncs.incrementAndGet();
    }
  }
}
