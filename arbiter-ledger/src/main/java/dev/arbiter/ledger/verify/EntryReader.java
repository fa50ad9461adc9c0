package dev.arbiter.ledger.verify;

import dev.arbiter.ledger.store.Cursor;
import dev.arbiter.ledger.store.LedgerStore;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.StoredEntry;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads entries in leaf order on its own thread, a chunk ahead of the verifier, so that database
 * reads and hashing use both cores. At most {@code 4 × 1024} entries are buffered: constant memory.
 */
final class EntryReader implements AutoCloseable {
  private static final int CHUNK = 1024;
  private static final Object END = new Object();

  private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(4);
  private final Thread thread;
  private volatile boolean closed;
  private StoredEntry[] chunk;
  private int pos;
  private boolean ended;

  EntryReader(LedgerStore store) throws LedgerStoreException {
    Cursor<StoredEntry> cursor = store.scanEntries(0);
    this.thread = Thread.ofPlatform().name("arbiter-verify-reader").daemon(true).start(() -> {
      try (cursor) {
        StoredEntry[] buf = new StoredEntry[CHUNK];
        int n = 0;
        StoredEntry e;
        while (!closed && (e = cursor.next()) != null) {
          buf[n++] = e;
          if (n == CHUNK) {
            offer(buf);
            buf = new StoredEntry[CHUNK];
            n = 0;
          }
        }
        if (n > 0) {
          offer(java.util.Arrays.copyOf(buf, n));
        }
        offer(END);
      } catch (LedgerStoreException | RuntimeException ex) {
        offer(ex);
      }
    });
  }

  private void offer(Object o) {
    while (!closed) {
      try {
        if (queue.offer(o, 100, TimeUnit.MILLISECONDS)) {
          return;
        }
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** The next entry, or null at the end. */
  StoredEntry next() throws LedgerStoreException {
    while (chunk == null || pos == chunk.length) {
      if (ended) {
        return null;
      }
      Object o;
      try {
        o = queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new LedgerStoreException("verification interrupted");
      }
      if (o == END) {
        ended = true;
        return null;
      }
      if (o instanceof LedgerStoreException lse) {
        throw lse;
      }
      if (o instanceof RuntimeException re) {
        throw new LedgerStoreException("reading entries failed: " + re.getMessage(), re);
      }
      chunk = (StoredEntry[]) o;
      pos = 0;
    }
    return chunk[pos++];
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
