package dev.arbiter.server.engine;

/**
 * Where each decision stream ended when this engine last knew it: decision id → the ledger leaf of
 * the stream's latest event. A stream read back from the file must reach that leaf. The read-back's
 * own checks (the chain from {@code stream_seq} 0, the last entry proven under a signed checkpoint)
 * cannot see entries removed from the stream's end: what is left is a shorter stream that verifies,
 * and a cancelled decision whose {@code decision.cancelled} was deleted came back pending (black-box
 * run). Filled by the start-up replay (every stream, after the ledger verified) and by the state cache
 * as it evicts.
 *
 * <p>Bounded: two generations of at most {@code capacity} ids each; when the current one is full it
 * becomes the previous one and the one before is forgotten. A forgotten stream is checked by the
 * read-back's chain and proof alone, and by the next start's full verification. Open addressing over
 * the 128 bits of the id's ULID as in {@link StreamSummaries} (which keeps a byte a slot, this a
 * leaf: 24 bytes a slot); ids that are not {@code dec_} and a ULID (only a
 * foreign writer makes one) are not kept. Thread-safe.
 */
final class StreamEnds {
  private final int capacity;
  private Table current = new Table(1024);
  private Table previous = new Table(16);
  private final long[] key = new long[2]; // guarded by this

  StreamEnds(int capacity) {
    if (capacity < 16) {
      throw new IllegalArgumentException("capacity must be >= 16, got " + capacity);
    }
    this.capacity = capacity;
  }

  /** Records that stream {@code id} reaches leaf {@code leaf} (a smaller leaf than one known changes nothing). */
  synchronized void record(String id, long leaf) {
    if (leaf < 0 || !StreamSummaries.decode(id, key)) {
      return;
    }
    long inCurrent = current.get(key[0], key[1]);
    long known = Math.max(inCurrent, previous.get(key[0], key[1]));
    if (inCurrent < 0 && current.size >= capacity) {
      previous = current;
      current = new Table(1024);
    }
    current.put(key[0], key[1], Math.max(known, leaf));
  }

  /** The leaf stream {@code id} is known to reach, or -1 when it is not known. */
  synchronized long end(String id) {
    if (!StreamSummaries.decode(id, key)) {
      return -1;
    }
    long c = current.get(key[0], key[1]);
    return c >= 0 ? c : previous.get(key[0], key[1]);
  }

  /** One generation: slots of (id high bits, id low bits, leaf + 1), 0 meaning empty. */
  private static final class Table {
    private long[] hi;
    private long[] lo;
    private long[] leafPlusOne;
    private int size;

    Table(int slots) {
      hi = new long[slots];
      lo = new long[slots];
      leafPlusOne = new long[slots];
    }

    long get(long h, long l) {
      int mask = leafPlusOne.length - 1;
      for (int i = StreamSummaries.slot(h, l, mask); ; i = (i + 1) & mask) {
        if (leafPlusOne[i] == 0) {
          return -1;
        }
        if (hi[i] == h && lo[i] == l) {
          return leafPlusOne[i] - 1;
        }
      }
    }

    void put(long h, long l, long leaf) {
      if ((size + 1) * 10L > leafPlusOne.length * 7L) {
        grow();
      }
      if (insert(hi, lo, leafPlusOne, h, l, leaf + 1)) {
        size++;
      }
    }

    private void grow() {
      int slots = leafPlusOne.length * 2;
      long[] h2 = new long[slots];
      long[] l2 = new long[slots];
      long[] v2 = new long[slots];
      for (int i = 0; i < leafPlusOne.length; i++) {
        if (leafPlusOne[i] != 0) {
          insert(h2, l2, v2, hi[i], lo[i], leafPlusOne[i]);
        }
      }
      hi = h2;
      lo = l2;
      leafPlusOne = v2;
    }

    /** Puts or replaces; true when the key was new. */
    private static boolean insert(long[] hi, long[] lo, long[] val, long h, long l, long v) {
      int mask = val.length - 1;
      for (int i = StreamSummaries.slot(h, l, mask); ; i = (i + 1) & mask) {
        if (val[i] == 0) {
          hi[i] = h;
          lo[i] = l;
          val[i] = v;
          return true;
        }
        if (hi[i] == h && lo[i] == l) {
          val[i] = v;
          return false;
        }
      }
    }
  }
}
