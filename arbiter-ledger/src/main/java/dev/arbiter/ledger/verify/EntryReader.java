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
 * continuity, previous hash) a chunk ahead of the thread that hashes. A chunk closes at 1,024
 * entries or {@value #CHUNK_BYTES} bytes of envelopes, whichever comes first, and at most four wait:
 * memory stays bounded however large the payloads (by entry count alone, 100 KB envelopes made the
 * read-ahead ~400 MB). A failure is delivered in order, after every entry before it, so the hashing
 * thread still finds an earlier failure first. Anything the reader thread dies of, an {@link Error}
 * such as {@link OutOfMemoryError} included, is delivered as the failure: the scanning thread never
 * waits for a chunk that will not come.
 */
final class EntryReader implements AutoCloseable {
  /** Sequential checks for entry {@code n}; returns the previous entry hash of its stream. */
  interface Resolver {
    byte[] resolve(StoredEntry e, long n) throws LedgerVerificationException, LedgerStoreException;
  }

  private static final int CHUNK = 1024;
  /** About what one chunk may hold, in envelope and hash bytes (its last entry may take it past). */
  static final int CHUNK_BYTES = 4 << 20;

  private record Chunk(StoredEntry[] entries, byte[][] prevs, int count, Throwable failure, boolean last) {}

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
      long bytes = 0;
      long n = 0;
      try (cursor) {
        StoredEntry e;
        while (!closed && (e = cursor.next()) != null) {
          prevs[count] = resolver.resolve(e, n++);
          entries[count++] = e;
          bytes += size(e);
          if (count == CHUNK || bytes >= CHUNK_BYTES) {
            offer(new Chunk(entries, prevs, count, null, false));
            entries = new StoredEntry[CHUNK];
            prevs = new byte[CHUNK][];
            count = 0;
            bytes = 0;
          }
        }
        offer(new Chunk(entries, prevs, count, null, true));
      } catch (Throwable ex) {
        // Errors too: a reader that died silently left advance() waiting forever.
        offer(new Chunk(entries, prevs, count, ex, true));
      }
    });
  }

  private static long size(StoredEntry e) {
    return (e.envelope() == null ? 0 : e.envelope().length) + (e.entryHash() == null ? 0 : e.entryHash().length) + 64;
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
        Throwable f = chunk.failure();
        if (f instanceof LedgerVerificationException lve) {
          throw lve;
        }
        if (f instanceof LedgerStoreException lse) {
          throw lse;
        }
        if (f != null) {
          throw new LedgerStoreException("reading entries failed: " + f, f);
        }
        return false;
      }
      chunk = take();
      pos = 0;
    }
    return true;
  }

  /**
   * The next chunk. Should the reader thread end without handing one over (it could not even
   * allocate the chunk that carries its failure), this says so instead of waiting forever.
   */
  private Chunk take() throws LedgerStoreException {
    try {
      while (true) {
        Chunk c = queue.poll(100, TimeUnit.MILLISECONDS);
        if (c != null) {
          return c;
        }
        if (!thread.isAlive() && queue.isEmpty()) {
          throw new LedgerStoreException("the verification's reader thread stopped without a result");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LedgerStoreException("verification interrupted");
    }
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
