package dev.arbiter.ledger.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.TestLedgers;
import dev.arbiter.ledger.store.Cursor;
import dev.arbiter.ledger.store.LedgerStore;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.StoredEntry;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verifier's reader thread: whatever it dies of is reported, and what it reads ahead is bounded in bytes. */
class EntryReaderTest {
  @TempDir Path dir;

  @Test
  void verify_whenTheReaderThreadThrowsAnError_failsInsteadOfWaitingForever() throws Exception {
    Path db = dir.resolve("ledger.db");
    SigningKey key = TestLedgers.newKey();
    try (Ledger ledger = TestLedgers.open(db, key)) {
      TestLedgers.fill(ledger, 3, 100, 7);
    }
    try (SqliteLedgerStore real = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
      LedgerStore store = withEntryCursor(real, c -> new Cursor<>() {
        int n;

        @Override
        public StoredEntry next() throws LedgerStoreException {
          if (++n == 100) {
            throw new OutOfMemoryError("Java heap space (simulated)");
          }
          return c.next();
        }

        @Override
        public void close() {
          c.close();
        }
      });
      CompletableFuture<Throwable> outcome = CompletableFuture.supplyAsync(() -> {
        try {
          new LedgerVerifier(store, key.verifyingKey(), null, null).verify();
          return null;
        } catch (Throwable t) {
          return t;
        }
      });
      Throwable t = outcome.get(30, TimeUnit.SECONDS); // before the fix: never completes
      assertThat(t).isInstanceOf(LedgerStoreException.class)
          .hasMessageContaining("OutOfMemoryError").hasMessageContaining("Java heap space (simulated)");
    }
  }

  @Test
  void readAhead_isBoundedByBytes_notOnlyByEntryCount() throws Exception {
    byte[] envelope = new byte[1 << 20]; // one shared 1 MiB array: entries as large as a big payload makes them
    AtomicLong read = new AtomicLong();
    LedgerStore store = withEntryCursor(null, unused -> new Cursor<>() {
      @Override
      public StoredEntry next() {
        long n = read.getAndIncrement();
        return n < 100_000 ? new StoredEntry(n, "dec_s", n, "x.y", new byte[32], envelope) : null;
      }

      @Override
      public void close() {}
    });
    try (EntryReader reader = new EntryReader(store, (e, n) -> new byte[32])) {
      assertThat(reader.advance()).isTrue(); // the reader runs; nothing more is consumed
      long before = -1;
      for (long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
          before != read.get() && System.nanoTime() < deadline; ) {
        before = read.get();
        Thread.sleep(200);
      }
      // Four queued chunks, the one being offered and the one being consumed, each closed at ~4 MiB:
      // about two dozen 1 MiB entries, where chunks of 1,024 entries held over 5,000 (5 GB).
      assertThat(read.get()).isBetween(4L, 64L);
    }
  }

  /** {@code real}'s store (or, if null, one that only scans entries) with its entry cursor replaced. */
  private static LedgerStore withEntryCursor(LedgerStore real, Function<Cursor<StoredEntry>, Cursor<StoredEntry>> replace) {
    return (LedgerStore) Proxy.newProxyInstance(EntryReaderTest.class.getClassLoader(), new Class<?>[] {LedgerStore.class},
        (p, m, args) -> {
          if (m.getName().equals("scanEntries")) {
            @SuppressWarnings("unchecked")
            Cursor<StoredEntry> c = real == null ? null : (Cursor<StoredEntry>) m.invoke(real, args);
            return replace.apply(c);
          }
          if (real == null) {
            throw new UnsupportedOperationException(m.getName());
          }
          try {
            return m.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }
}
