package dev.arbiter.ledger.merkle;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Builds RFC 9162 tree heads and proofs from the complete subtrees of a tree.
 *
 * <ul>
 *   <li>{@link #root}: MTH(D[n]) (§2.1.1), {@code SHA-256("")} for n = 0.
 *   <li>{@link #inclusion}: PATH(m, D[n]) (§2.1.3.1), lowest level first.
 *   <li>{@link #consistency}: PROOF(m, D[n]) = SUBPROOF(m, D[n], true) (§2.1.4.1), lowest level
 *       first.
 * </ul>
 *
 * <p>Any subtree that is not perfect is decomposed into perfect, aligned subtrees (its largest
 * power-of-two left part, then the rest), so each method makes O(log n) calls to {@link
 * NodeSource#completeNode} and never touches individual leaves. Every node asked for is complete
 * within the tree size passed in.
 *
 * <p>Output is exactly what {@link ProofVerifier} accepts. The proofs are only as good as the
 * {@link NodeSource}: verifying one against a trusted root is what gives it meaning.
 */
public final class MerkleProofs {

  private MerkleProofs() {}

  /** MTH of the first {@code treeSize} leaves; {@link Rfc9162#emptyRoot()} when it is 0. */
  public static byte[] root(NodeSource nodes, long treeSize) {
    Objects.requireNonNull(nodes, "nodes");
    if (treeSize < 0) {
      throw new IllegalArgumentException("tree size must be >= 0, was " + treeSize);
    }
    return treeSize == 0 ? Rfc9162.emptyRoot() : rangeHash(nodes, 0, treeSize);
  }

  /**
   * The inclusion proof (audit path) of leaf {@code leafIndex} in the tree of {@code treeSize}
   * leaves. Requires {@code 0 <= leafIndex < treeSize}.
   */
  public static List<byte[]> inclusion(NodeSource nodes, long leafIndex, long treeSize) {
    Objects.requireNonNull(nodes, "nodes");
    if (leafIndex < 0 || leafIndex >= treeSize) {
      throw new IllegalArgumentException(
          "leaf index must satisfy 0 <= index < tree size " + treeSize + ", was " + leafIndex);
    }
    List<byte[]> proof = new ArrayList<>(64);
    path(nodes, leafIndex, 0, treeSize, proof);
    return proof;
  }

  /**
   * The inclusion proofs of the {@code count} consecutive leaves from {@code firstLeaf}, all in the
   * tree of {@code treeSize} leaves: the same lists {@link #inclusion} returns one by one, but built
   * in one walk down the tree, so each sibling hash is computed once and the leaves it serves share
   * the same array (O(count + log n) node reads, not O(count log n)). Callers must not modify the
   * arrays.
   */
  public static List<List<byte[]>> inclusionRange(NodeSource nodes, long firstLeaf, int count, long treeSize) {
    return inclusionRange(nodes, firstLeaf, count, treeSize, Function.identity());
  }

  /**
   * {@link #inclusionRange(NodeSource, long, int, long)} with each distinct sibling hash passed
   * through {@code wrap} once; leaves under the same sibling share the wrapped value.
   */
  public static <T> List<List<T>> inclusionRange(NodeSource nodes, long firstLeaf, int count, long treeSize,
      Function<byte[], T> wrap) {
    Objects.requireNonNull(nodes, "nodes");
    Objects.requireNonNull(wrap, "wrap");
    if (count < 0 || firstLeaf < 0 || firstLeaf + count > treeSize) {
      throw new IllegalArgumentException("leaves [" + firstLeaf + ", " + firstLeaf + "+" + count
          + ") must lie in a tree of size " + treeSize);
    }
    int depth = treeSize <= 1 ? 0 : 64 - Long.numberOfLeadingZeros(treeSize - 1); // a path's length at most
    List<List<T>> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(new ArrayList<>(depth));
    }
    paths(nodes, firstLeaf, firstLeaf + count, 0, treeSize, out, firstLeaf, wrap);
    return out;
  }

  /**
   * Appends to {@code out} (indexed from leaf {@code base}) the PATH within D[start : start+n] of
   * every leaf in [lo, hi), lowest level first: each part's own path, then its sibling, as in
   * {@link #path}.
   */
  private static <T> void paths(NodeSource nodes, long lo, long hi, long start, long n, List<List<T>> out, long base,
      Function<byte[], T> wrap) {
    if (n == 1 || lo >= hi) {
      return;
    }
    long mid = start + largestPowerOfTwoBelow(n);
    if (lo < mid) {
      long end = Math.min(hi, mid);
      paths(nodes, lo, end, start, mid - start, out, base, wrap);
      T right = wrap.apply(rangeHash(nodes, mid, start + n - mid));
      for (long m = lo; m < end; m++) {
        out.get((int) (m - base)).add(right);
      }
    }
    if (hi > mid) {
      long from = Math.max(lo, mid);
      paths(nodes, from, hi, mid, start + n - mid, out, base, wrap);
      T left = wrap.apply(perfect(nodes, start, mid - start));
      for (long m = from; m < hi; m++) {
        out.get((int) (m - base)).add(left);
      }
    }
  }

  /**
   * The consistency proof between the trees of {@code size1} and {@code size2} leaves. Requires
   * {@code 0 < size1 <= size2} (a proof from the empty tree is meaningless); empty when the sizes
   * are equal.
   */
  public static List<byte[]> consistency(NodeSource nodes, long size1, long size2) {
    Objects.requireNonNull(nodes, "nodes");
    if (size1 <= 0 || size1 > size2) {
      throw new IllegalArgumentException(
          "sizes must satisfy 0 < size1 <= size2, were " + size1 + " and " + size2);
    }
    List<byte[]> proof = new ArrayList<>(64);
    subproof(nodes, size1, 0, size2, true, proof);
    return proof;
  }

  /**
   * PATH(m, D[start : start+n]) appended to {@code out}. {@code start} is a multiple of the largest
   * power of two below {@code n}, so every left part is an aligned perfect subtree.
   */
  private static void path(NodeSource nodes, long m, long start, long n, List<byte[]> out) {
    if (n == 1) {
      return;
    }
    long k = largestPowerOfTwoBelow(n);
    if (m < k) {
      path(nodes, m, start, k, out);
      out.add(rangeHash(nodes, start + k, n - k));
    } else {
      path(nodes, m - k, start + k, n - k, out);
      out.add(perfect(nodes, start, k));
    }
  }

  /** SUBPROOF(m, D[start : start+n], b) appended to {@code out}. */
  private static void subproof(
      NodeSource nodes, long m, long start, long n, boolean knownToVerifier, List<byte[]> out) {
    if (m == n) {
      if (!knownToVerifier) {
        out.add(rangeHash(nodes, start, n));
      }
      return;
    }
    long k = largestPowerOfTwoBelow(n);
    if (m <= k) {
      subproof(nodes, m, start, k, knownToVerifier, out);
      out.add(rangeHash(nodes, start + k, n - k));
    } else {
      subproof(nodes, m - k, start + k, n - k, false, out);
      out.add(perfect(nodes, start, k));
    }
  }

  /**
   * MTH(D[start : start+n]) for n >= 1, where {@code start} is aligned to the largest power of two
   * not above n: the perfect left part hashed with the (recursively decomposed) rest.
   */
  private static byte[] rangeHash(NodeSource nodes, long start, long n) {
    if (Long.bitCount(n) == 1) {
      return perfect(nodes, start, n);
    }
    // Fold the perfect parts right to left: their sizes are the set bits of n, largest leftmost.
    long lowest = Long.lowestOneBit(n);
    long rest = n - lowest; // number of leaves to the left of the current part
    byte[] acc = perfect(nodes, start + rest, lowest);
    while (rest != 0) {
      lowest = Long.lowestOneBit(rest);
      rest -= lowest;
      acc = Rfc9162.hashChildren(perfect(nodes, start + rest, lowest), acc);
    }
    return acc;
  }

  private static byte[] perfect(NodeSource nodes, long start, long size) {
    int level = Long.numberOfTrailingZeros(size);
    return nodes.completeNode(level, start >>> level);
  }

  /** The largest power of two strictly smaller than {@code n}, for n >= 2. */
  private static long largestPowerOfTwoBelow(long n) {
    return Long.highestOneBit(n - 1);
  }
}
