package dev.arbiter.core.canonical;

import java.util.Arrays;

/** A growable byte buffer: the one place canonical output is written to. Not thread-safe. */
final class ByteSink {
  private byte[] buf;
  private int size;

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

  /** Makes room for {@code n} more bytes; callers then use {@link #putUnchecked}. */
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

  byte[] toByteArray() {
    return Arrays.copyOf(buf, size);
  }

  private void grow(int n) {
    int needed = size + n;
    if (needed < 0) {
      throw new OutOfMemoryError("canonical JSON larger than 2 GiB");
    }
    int newCapacity = Math.max(needed, buf.length <= (Integer.MAX_VALUE >> 1) ? buf.length << 1 : Integer.MAX_VALUE - 8);
    buf = Arrays.copyOf(buf, newCapacity);
  }
}
