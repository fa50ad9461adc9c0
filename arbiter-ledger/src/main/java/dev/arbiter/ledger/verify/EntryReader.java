package dev.arbiter.ledger.verify;

import dev.arbiter.ledger.store.Cursor;
import dev.arbiter.ledger.store.LedgerStore;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.StoredEntry;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The first half of the verification pipeline, on its own thread: reads entries in leaf order and
 * runs the sequential per-entry checks ({@link Resolver}: position, index columns, stream
 * continuity, previous hash) a chunk ahead of the thread that hashes. At most {@code 4 × 1024}
 * entries are buffered: constant memory. A failure is delivered in order, after every entry before
 * it, so the hashing thread still finds an earlier failure first.
 */
final class EntryReader implements AutoCloseable {
  /** Sequential checks for entry {@code n}; returns the previous entry hash of its stream. */
  interface Resolver {
    byte[] resolve(StoredEntry e, long n) throws LedgerVerificationException, LedgerStoreException;
  }

  private static final int CHUNK = 1024;

  private record Chunk(StoredEntry[] entries, byte[][] prevs, int count, Exception failure, boolean last) {}

  private final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(4);
  private final Thread thread;
  private volatile boolean closed;
  private Chunk chunk;
  private int pos = -1;

  EntryReader(LedgerStore store, Resolver resolver) throws LedgerStoreException {
    Cursor<StoredEntry> cursor = store.scanEntries(Long.MIN_VALUE); // every row, so an inserted negative index is seen
    this.thread = Thread.ofPlatform().name("arbiter-verify-reader").daemon(true).start(() -> {
      StoredEntry[] entries = new StoredEntry[CHUNK];
      byte[][] prevs = new byte[CHUNK][];
      int count = 0;
      long n = 0;
      try (cursor) {
        StoredEntry e;
        while (!closed && (e = cursor.next()) != null) {
          prevs[count] = resolver.resolve(e, n++);
          entries[count++] = e;
          if (count == CHUNK) {
            offer(new Chunk(entries, prevs, count, null, false));
            entries = new StoredEntry[CHUNK];
            prevs = new byte[CHUNK][];
            count = 0;
          }
        }
        offer(new Chunk(entries, prevs, count, null, true));
      } catch (LedgerVerificationException | LedgerStoreException | RuntimeException ex) {
        offer(new Chunk(entries, prevs, count, ex, true));
      }
    });
  }

  private void offer(Chunk c) {
    while (!closed) {
      try {
        if (queue.offer(c, 100, TimeUnit.MILLISECONDS)) {
          return;
        }
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Moves to the next entry; false at the end. Throws the reader's failure when it is reached. */
  boolean advance() throws LedgerVerificationException, LedgerStoreException {
    pos++;
    while (chunk == null || pos >= chunk.count()) {
      if (chunk != null && chunk.last()) {
        Exception f = chunk.failure();
        if (f instanceof LedgerVerificationException lve) {
          throw lve;
        }
        if (f instanceof LedgerStoreException lse) {
          throw lse;
        }
        if (f instanceof RuntimeException re) {
          throw new LedgerStoreException("reading entries failed: " + re.getMessage(), re);
        }
        return false;
      }
      try {
        chunk = queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new LedgerStoreException("verification interrupted");
      }
      pos = 0;
    }
    return true;
  }

  /** The current entry (after {@link #advance} returned true). */
  StoredEntry entry() {
    return chunk.entries()[pos];
  }

  /** The previous entry hash of the current entry's stream. */
  byte[] prev() {
    return chunk.prevs()[pos];
  }

  @Override
  public void close() {
    closed = true;
    queue.clear();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
