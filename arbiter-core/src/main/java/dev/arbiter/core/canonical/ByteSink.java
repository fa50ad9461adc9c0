package dev.arbiter.core.canonical;

import java.util.Arrays;

/**
 * A growable byte buffer: the one place canonical output is written to. Not thread-safe.
 *
 * <p>It grows by adding chunks, not by copying: a full chunk is kept as it is and writing goes on in
 * a new one twice its size. {@link #toByteArray} copies every byte once. (Growing one array by
 * doubling copied a 6 KB evaluation ~1.2 times more on the way, ~18 KB of garbage per decision.)
 */
final class ByteSink {
  private byte[] buf;
  private int size;
  /** Chunks filled before {@link #buf}, and how many bytes of each are used (made on the first grow). */
  private byte[][] done;
  private int[] doneLength;
  private int doneCount;
  private int doneBytes;

  ByteSink(int initialCapacity) {
    buf = new byte[Math.max(16, initialCapacity)];
  }

  void write(int b) {
    if (size == buf.length) {
      grow(1);
    }
    buf[size++] = (byte) b;
  }

  void write(byte[] bytes) {
    ensure(bytes.length);
    System.arraycopy(bytes, 0, buf, size, bytes.length);
    size += bytes.length;
  }

  /** Makes room for {@code n} more contiguous bytes; callers then use {@link #putUnchecked}. */
  void ensure(int n) {
    if (buf.length - size < n) {
      grow(n);
    }
  }

  void putUnchecked(int b) {
    buf[size++] = (byte) b;
  }

  void writeAscii(String s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      buf[size++] = (byte) s.charAt(i);
    }
  }

  /**
   * Copies chars [from, to) of {@code s} as one byte each, into room the caller ensured. Only for
   * chars the caller checked are ASCII: {@code String.getBytes(int, int, byte[], int)} keeps each
   * char's low byte, which for ASCII is the char itself (and for the JDK's one-byte strings the copy
   * is one array copy).
   */
  @SuppressWarnings("deprecation")
  void putAsciiUnchecked(String s, int from, int to) {
    s.getBytes(from, to, buf, size);
    size += to - from;
  }

  byte[] toByteArray() {
    if (doneCount == 0) {
      return Arrays.copyOf(buf, size);
    }
    byte[] out = new byte[doneBytes + size];
    int p = 0;
    for (int i = 0; i < doneCount; i++) {
      System.arraycopy(done[i], 0, out, p, doneLength[i]);
      p += doneLength[i];
    }
    System.arraycopy(buf, 0, out, p, size);
    return out;
  }

  /** Sets the current chunk aside (its unused tail stays unused) and starts one with room for {@code n}. */
  private void grow(int n) {
    long total = (long) doneBytes + size + n;
    if (total > Integer.MAX_VALUE - 8) {
      throw new OutOfMemoryError("canonical JSON larger than 2 GiB");
    }
    if (done == null) {
      done = new byte[4][];
      doneLength = new int[4];
    } else if (doneCount == done.length) {
      done = Arrays.copyOf(done, doneCount * 2);
      doneLength = Arrays.copyOf(doneLength, doneCount * 2);
    }
    done[doneCount] = buf;
    doneLength[doneCount++] = size;
    doneBytes += size;
    int next = buf.length <= (1 << 20) ? buf.length << 1 : buf.length; // chunks stop growing at 2 MiB
    // Room for n and then as much again as the last chunk held: a long string followed by a few
    // short members (a typical payload) then needs one new chunk, not two.
    buf = new byte[(int) Math.min(Integer.MAX_VALUE - 8, Math.max((long) n + buf.length, next))];
    size = 0;
  }
}
