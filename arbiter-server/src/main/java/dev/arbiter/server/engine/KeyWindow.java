package dev.arbiter.server.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.Map;

/**
 * The idempotency keys of the latest {@code capacity} recorded decisions, oldest forgotten first:
 * key hash → (request hash, decision id).
 *
 * <p>Kept in primitive arrays, not as objects: the window is long (100,000 keys by default) and gains
 * a key with every decision, so as objects it would be ~10 small objects per key for the young
 * collector to copy into the old generation and, once there, a map whose buckets it would rescan
 * after every insert. Measured at 2,500 decisions/s: the median young pause fell from ~10 to ~7 ms
 * with those objects gone (BENCHMARKS.md). Each key takes one 128-byte record in a ring and one slot
 * in an open-addressing index (linear probing, at most half full, backward-shift deletion).
 *
 * <p>Hashes are {@code sha256:} and 64 lowercase hex digits, stored as their 32 bytes. A key hash of
 * any other form is not remembered: no request's key hashes to it. A record whose request hash is
 * of another form, or whose decision id is not 1–63 ASCII characters, keeps those two strings in a
 * side map instead (only a ledger written by something else could hold them).
 *
 * <p>Not thread-safe: {@link DecisionCache} guards it.
 */
final class KeyWindow {
  /** What a remembered key resolves to. */
  record Remembered(String requestHash, String decisionId) {}

  private static final String PREFIX = "sha256:";
  private static final int HASH = 32;
  private static final int KEY = 0;
  private static final int REQUEST = HASH;
  private static final int ID_LENGTH = 2 * HASH;
  private static final int ID = ID_LENGTH + 1;
  static final int RECORD = 128;
  private static final int ID_MAX = RECORD - ID;
  /** In {@code ID_LENGTH}: this record's request hash and id are in {@link #odd}. */
  private static final byte IN_SIDE_MAP = (byte) 0xFF;
  private static final int INITIAL_RECORDS = 1024;
  /** 2 GB of records: one byte array (and its int index) must stay addressable. */
  static final int MAX_CAPACITY = 16_000_000;
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private final int capacity;
  private byte[] records;
  private int[] index;
  private int next;
  private int size;
  private final Map<Integer, Remembered> odd = new HashMap<>();
  private final byte[] probe = new byte[HASH];
  private final long multiplier = new java.security.SecureRandom().nextLong() | 1;
  private int indexBits;

  KeyWindow(int capacity) {
    if (capacity < 1 || capacity > MAX_CAPACITY) {
      throw new IllegalArgumentException("capacity must be 1.." + MAX_CAPACITY + ", got " + capacity);
    }
    this.capacity = capacity;
    allocate(Math.min(capacity, INITIAL_RECORDS));
  }

  int size() {
    return size;
  }

  /** The newest record of {@code keyHash}, or null if it is not in the window. */
  Remembered find(String keyHash) {
    if (!parseHash(keyHash, probe, 0)) {
      return null;
    }
    int slot = slotOf(probe, 0);
    return slot < 0 ? null : read(index[slot] - 1);
  }

  /** Remembers a key, forgetting the oldest one if the window is full; a key already here now resolves to this. */
  void add(String keyHash, String requestHash, String decisionId) {
    if (!parseHash(keyHash, probe, 0)) {
      return;
    }
    if (size == capacity) {
      forget(next); // the oldest record: the ring is full, so it is the one about to be overwritten
      size--;
    } else if (size == records.length / RECORD) {
      grow();
    }
    int pos = next;
    int at = pos * RECORD;
    System.arraycopy(probe, 0, records, at + KEY, HASH);
    odd.remove(pos);
    if (!parseHash(requestHash, records, at + REQUEST) || !writeId(decisionId, at)) {
      records[at + ID_LENGTH] = IN_SIDE_MAP;
      odd.put(pos, new Remembered(requestHash, decisionId));
    }
    int slot = slotOf(probe, 0);
    if (slot >= 0) {
      index[slot] = pos + 1; // the older record stays in the ring, unreachable, until it is overwritten
    } else {
      insert(pos);
    }
    next = (pos + 1) % capacity;
    size++;
  }

  /** Writes the id as ASCII into the record if it is 1–63 printable ASCII characters. */
  private boolean writeId(String decisionId, int at) {
    int n = decisionId.length();
    if (n == 0 || n > ID_MAX) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = decisionId.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
      records[at + ID + i] = (byte) c;
    }
    records[at + ID_LENGTH] = (byte) n;
    return true;
  }

  private Remembered read(int pos) {
    int at = pos * RECORD;
    if (records[at + ID_LENGTH] == IN_SIDE_MAP) {
      return odd.get(pos);
    }
    String requestHash = PREFIX + HexFormat.of().formatHex(records, at + REQUEST, at + REQUEST + HASH);
    String id = new String(records, at + ID, records[at + ID_LENGTH], StandardCharsets.US_ASCII);
    return new Remembered(requestHash, id);
  }

  /** The index slot that points at a record with this key, or -1. */
  private int slotOf(byte[] key, int keyAt) {
    int mask = index.length - 1;
    for (int i = home(key, keyAt); index[i] != 0; i = (i + 1) & mask) {
      int at = (index[i] - 1) * RECORD + KEY;
      if (Arrays.equals(records, at, at + HASH, key, keyAt, keyAt + HASH)) {
        return i;
      }
    }
    return -1;
  }

  private void insert(int pos) {
    int mask = index.length - 1;
    int i = home(records, pos * RECORD + KEY);
    while (index[i] != 0) {
      i = (i + 1) & mask;
    }
    index[i] = pos + 1;
  }

  /** Drops record {@code pos} from the index if the index still points at it (backward-shift deletion). */
  private void forget(int pos) {
    odd.remove(pos);
    int slot = slotOf(records, pos * RECORD + KEY);
    if (slot < 0 || index[slot] != pos + 1) {
      return; // a newer record of the same key took its place
    }
    int mask = index.length - 1;
    int hole = slot;
    for (int i = (hole + 1) & mask; index[i] != 0; i = (i + 1) & mask) {
      int home = home(records, (index[i] - 1) * RECORD + KEY);
      // Move the entry at i into the hole unless its home lies cyclically in (hole, i].
      boolean stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
      if (!stays) {
        index[hole] = index[i];
        hole = i;
      }
    }
    index[hole] = 0;
  }

  private void grow() {
    int records = Math.min(capacity, this.records.length / RECORD * 2);
    byte[] old = this.records;
    allocate(records);
    System.arraycopy(old, 0, this.records, 0, old.length);
    for (int pos = 0; pos < size; pos++) { // oldest first: a newer record of a key replaces the older
      int slot = slotOf(this.records, pos * RECORD + KEY);
      if (slot < 0) {
        insert(pos);
      } else {
        index[slot] = pos + 1;
      }
    }
  }

  private void allocate(int recordCount) {
    records = new byte[recordCount * RECORD];
    index = new int[Integer.highestOneBit(Math.max(2, recordCount) * 2 - 1) * 2];
    indexBits = Integer.numberOfTrailingZeros(index.length);
  }

  /**
   * The index slot where a key's probe starts: the top bits of its first eight bytes times a random odd
   * multiplier. Keys are SHA-256 outputs, but of strings that clients choose, so a fixed function
   * would let a client grind keys that all land in one run of slots; with a secret multiplier it
   * cannot tell which keys collide.
   */
  private int home(byte[] key, int at) {
    return (int) (((long) LONGS.get(key, at) * multiplier) >>> (64 - indexBits));
  }

  /** Parses {@code sha256:} + 64 lowercase hex digits into {@code out[at..at+32)}; false for any other form. */
  private static boolean parseHash(String s, byte[] out, int at) {
    if (s == null || s.length() != PREFIX.length() + 2 * HASH || !s.startsWith(PREFIX)) {
      return false;
    }
    for (int i = 0; i < HASH; i++) {
      int hi = nibble(s.charAt(PREFIX.length() + 2 * i));
      int lo = nibble(s.charAt(PREFIX.length() + 2 * i + 1));
      if (hi < 0 || lo < 0) {
        return false;
      }
      out[at + i] = (byte) (hi << 4 | lo);
    }
    return true;
  }

  private static int nibble(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
  }
}
