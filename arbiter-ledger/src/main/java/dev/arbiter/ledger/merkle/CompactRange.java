package dev.arbiter.ledger.merkle;

import java.security.DigestException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The RFC 9162 root of a growing list of leaf hashes, kept in O(log n) memory: the "compact range"
 * [0, size) of transparency-dev/merkle's {@code compact} package.
 *
 * <p>The state is one <em>peak</em> per set bit of {@code size}: the root of the perfect subtree of
 * 2^level leaves that the binary decomposition of {@code size} places there, leftmost (largest)
 * first. Appending a leaf merges equal-sized peaks like a binary counter carry, with
 * {@code SHA-256(0x01 ‖ left ‖ right)}; {@link #root()} folds the peaks right to left with the same
 * hash, which is exactly MTH(D[0:size]) of RFC 9162 §2.1.1 ({@code SHA-256("")} when empty).
 *
 * <p>{@link #append} hashes into preallocated buffers and allocates nothing after the first 2^k-th
 * leaf for each level k; {@link #root()} costs at most 63 hashes. Not thread-safe: one instance
 * belongs to one thread (typically a streaming verifier scanning the log).
 *
 * <p>The leaf hashes are taken as given: the caller must have computed each as
 * {@code SHA-256(0x00 ‖ entry)} from the entry itself, or the root proves nothing about entries.
 */
public final class CompactRange {

  private static final int MAX_LEVELS = 63;

  private final MessageDigest sha256 = Rfc9162.newSha256();
  /** peaks[level] is meaningful iff bit {@code level} of {@link #size} is set. */
  private final byte[][] peaks = new byte[MAX_LEVELS][];
  private final byte[] carry = new byte[Rfc9162.HASH_SIZE];
  private long size;

  /** An empty range: size 0, root {@code SHA-256("")}. */
  public CompactRange() {}

  /**
   * Appends the next leaf hash (copied; the caller may reuse its array).
   *
   * @throws IllegalArgumentException if {@code leafHash} is not 32 bytes
   */
  public void append(byte[] leafHash) {
    append(leafHash, null);
  }

  /** Receives the interior nodes an {@link #append} completes. */
  @FunctionalInterface
  public interface NodeSink {
    /**
     * The root of the perfect subtree over leaves {@code [index << level, (index + 1) << level)}.
     * {@code hash} is the range's own buffer: read it during the call, do not keep it.
     */
    void node(int level, long index, byte[] hash);
  }

  /**
   * Appends the next leaf hash like {@link #append(byte[])} and hands {@code sink} (if not null) each
   * interior node the append completes, lowest level first: the same nodes a tree stored in full
   * would hold, computed once (a verifier checks stored nodes against them without hashing again).
   *
   * @throws IllegalArgumentException if {@code leafHash} is not 32 bytes
   */
  public void append(byte[] leafHash, NodeSink sink) {
    Objects.requireNonNull(leafHash, "leafHash");
    if (leafHash.length != Rfc9162.HASH_SIZE) {
      throw new IllegalArgumentException(
          "leaf hash must be " + Rfc9162.HASH_SIZE + " bytes, was " + leafHash.length);
    }
    if (size == Long.MAX_VALUE) {
      throw new IllegalStateException("compact range is full at " + size + " leaves");
    }
    System.arraycopy(leafHash, 0, carry, 0, Rfc9162.HASH_SIZE);
    int level = 0;
    while (((size >>> level) & 1) == 1) {
      hashChildrenInto(peaks[level], carry, carry);
      level++;
      if (sink != null) {
        sink.node(level, size >>> level, carry);
      }
    }
    byte[] peak = peaks[level];
    if (peak == null) {
      peak = new byte[Rfc9162.HASH_SIZE];
      peaks[level] = peak;
    }
    System.arraycopy(carry, 0, peak, 0, Rfc9162.HASH_SIZE);
    size++;
  }

  /** Number of leaves appended so far. */
  public long size() {
    return size;
  }

  /** MTH of all leaves appended so far (a fresh array); {@link Rfc9162#emptyRoot()} when empty. */
  public byte[] root() {
    if (size == 0) {
      return Rfc9162.emptyRoot();
    }
    int level = Long.numberOfTrailingZeros(size);
    byte[] acc = peaks[level].clone();
    for (level++; level < MAX_LEVELS; level++) {
      if (((size >>> level) & 1) == 1) {
        hashChildrenInto(peaks[level], acc, acc);
      }
    }
    return acc;
  }

  /**
   * Copies of the peaks, leftmost (largest subtree) first: one per set bit of {@link #size()}, the
   * i-th covering the i-th block of the binary decomposition of [0, size).
   */
  public List<byte[]> peaks() {
    List<byte[]> out = new ArrayList<>(Long.bitCount(size));
    for (int level = MAX_LEVELS - 1; level >= 0; level--) {
      if (((size >>> level) & 1) == 1) {
        out.add(peaks[level].clone());
      }
    }
    return out;
  }

  /** out = SHA-256(0x01 ‖ left ‖ right); {@code out} may alias {@code left} or {@code right}. */
  private void hashChildrenInto(byte[] left, byte[] right, byte[] out) {
    sha256.update(Rfc9162.NODE_PREFIX);
    sha256.update(left);
    sha256.update(right);
    try {
      sha256.digest(out, 0, Rfc9162.HASH_SIZE);
    } catch (DigestException e) {
      throw new IllegalStateException("SHA-256 output does not fit 32 bytes", e);
    }
  }
}
