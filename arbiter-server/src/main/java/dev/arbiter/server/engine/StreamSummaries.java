package dev.arbiter.server.engine;

import java.util.HashMap;
import java.util.Map;

/**
 * The start-up replay's {@link StreamSummary} of every decision stream beyond its window of full
 * states: decision id → one byte. A replay keeps one per decision the ledger ever recorded, so it is
 * kept compact: open addressing (linear probing) over the 128 bits of the id's ULID, 17 bytes a slot
 * at a load of at most 0.7, i.e. 24–48 bytes a decision against ~114 in a {@code HashMap<String,
 * Byte>}. An id that is not {@code dec_} and a ULID (only a foreign writer makes one) is kept in a
 * small map beside. Not thread-safe: the replay is one thread.
 */
final class StreamSummaries {
  private static final String PREFIX = "dec_";
  private static final int ULID_CHARS = 26;
  /** Marks an occupied slot; summaries use the low five bits. */
  private static final int OCCUPIED = 0x80;
  private static final byte[] DIGITS = new byte[128];

  static {
    java.util.Arrays.fill(DIGITS, (byte) -1);
    String alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; // Crockford's base 32, as Ulid writes it
    for (int i = 0; i < alphabet.length(); i++) {
      DIGITS[alphabet.charAt(i)] = (byte) i;
    }
  }

  private long[] hi = new long[1024];
  private long[] lo = new long[1024];
  private byte[] val = new byte[1024];
  private int size;
  private final Map<String, Byte> odd = new HashMap<>();
  private final long[] scratch = new long[2]; // the decoded id of the current call (one thread)

  /** The summary of stream {@code id}, or null when it has none. */
  Byte get(String id) {
    long[] key = scratch;
    if (!decode(id, key)) {
      return odd.get(id);
    }
    int mask = val.length - 1;
    for (int i = slot(key[0], key[1], mask); ; i = (i + 1) & mask) {
      if (val[i] == 0) {
        return null;
      }
      if (hi[i] == key[0] && lo[i] == key[1]) {
        return (byte) (val[i] & ~OCCUPIED);
      }
    }
  }

  /** Sets the summary of stream {@code id}. */
  void put(String id, byte summary) {
    if ((summary & OCCUPIED) != 0) {
      throw new IllegalArgumentException("a stream summary uses the low seven bits, got " + summary);
    }
    long[] key = scratch;
    if (!decode(id, key)) {
      odd.put(id, summary);
      return;
    }
    if ((size + 1) * 10L > val.length * 7L) {
      grow();
    }
    if (insert(hi, lo, val, key[0], key[1], (byte) (summary | OCCUPIED))) {
      size++;
    }
  }

  int size() {
    return size + odd.size();
  }

  /** Puts or replaces; true when the key was new. */
  private static boolean insert(long[] hi, long[] lo, byte[] val, long h, long l, byte v) {
    int mask = val.length - 1;
    for (int i = slot(h, l, mask); ; i = (i + 1) & mask) {
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

  private void grow() {
    int capacity = val.length * 2;
    long[] h2 = new long[capacity];
    long[] l2 = new long[capacity];
    byte[] v2 = new byte[capacity];
    for (int i = 0; i < val.length; i++) {
      if (val[i] != 0) {
        insert(h2, l2, v2, hi[i], lo[i], val[i]);
      }
    }
    hi = h2;
    lo = l2;
    val = v2;
  }

  /** The first slot to probe for a decision id's 128 bits (also {@link StreamEnds}'). */
  static int slot(long h, long l, int mask) {
    long x = (l ^ Long.rotateLeft(h, 29)) * 0x9E3779B97F4A7C15L; // the ULID's low bits are random already
    return (int) (x ^ (x >>> 32)) & mask;
  }

  /** {@code dec_} and 26 Crockford digits (the first at most 7: 128 bits) into {@code key}; false for any other id. */
  static boolean decode(String id, long[] key) {
    if (id.length() != PREFIX.length() + ULID_CHARS || !id.startsWith(PREFIX)) {
      return false;
    }
    long h = 0;
    long l = 0;
    for (int i = PREFIX.length(); i < id.length(); i++) {
      char c = id.charAt(i);
      int d = c < 128 ? DIGITS[c] : -1;
      if (d < 0 || (i == PREFIX.length() && d > 7)) {
        return false;
      }
      h = (h << 5) | (l >>> 59);
      l = (l << 5) | d;
    }
    key[0] = h;
    key[1] = l;
    return true;
  }
}
