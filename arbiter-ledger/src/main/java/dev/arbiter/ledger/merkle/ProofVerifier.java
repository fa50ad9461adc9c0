package dev.arbiter.ledger.merkle;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Verifies RFC 9162 inclusion (§2.1.3.2) and consistency (§2.1.4.2) proofs over SHA-256 trees
 * hashed as in {@link Rfc9162}: leaf {@code SHA-256(0x00 ‖ entry)}, node
 * {@code SHA-256(0x01 ‖ left ‖ right)}. Proof elements are ordered from the leaf (or the older
 * subtree) upwards, exactly as {@link MerkleProofs} produces them.
 *
 * <p>Accepts and rejects exactly what transparency-dev/merkle's {@code proof/verify.go} accepts and
 * rejects, including its edge cases: leaf index not below tree size, consistency from size 0, equal
 * sizes (proof must be empty and the two roots equal byte for byte), empty and wrong-length proofs,
 * a leaf hash that is not 32 bytes. It is deliberately stricter in one way: proof elements, and the
 * roots whenever a root is actually computed, must be exactly 32 bytes. verify.go only notices a
 * short or long element when the recomputed root fails to match, which lets a prover who controls
 * byte boundaries (for example a 31-byte element followed by a 33-byte one) shift bytes between
 * adjacent hashes.
 *
 * <p>Every method follows the same shape: reject impossible input first, then compute, then compare
 * in constant time. Failures throw {@link ProofVerificationException} carrying what was expected and
 * what was found; nothing here returns a {@code boolean}. Null arguments are programming errors and
 * throw {@link NullPointerException}; a null element inside an untrusted proof is treated as a
 * malformed hash.
 *
 * <p><b>What the caller must still check.</b> A proof binds a leaf (or an older root) to a root,
 * not to a tree size: the same proof hashes can verify under a different {@code treeSize} whose
 * tree has the same shape along the path. The tree size and the trusted root must therefore come
 * together from one checkpoint whose signature the caller has already verified, and the leaf hash
 * must be recomputed by the caller from the entry it cares about.
 */
public final class ProofVerifier {

  private static final HexFormat HEX = HexFormat.of();

  private ProofVerifier() {}

  /**
   * Checks that {@code leafHash} is the leaf at {@code leafIndex} of the tree of {@code treeSize}
   * leaves whose root is {@code trustedRoot}.
   *
   * @param leafHash {@code SHA-256(0x00 ‖ entry)}, recomputed by the caller from the entry
   * @param leafIndex zero-based position of the leaf; must be below {@code treeSize}
   * @param treeSize size of the tree in the trusted checkpoint that {@code trustedRoot} came from
   * @param untrustedProof the audit path, lowest level first
   * @param trustedRoot the root from a checkpoint whose signature the caller has verified
   * @throws ProofVerificationException if any argument is impossible or the proof does not lead
   *     from the leaf to the trusted root
   */
  public static void verifyInclusion(
      byte[] leafHash, long leafIndex, long treeSize, List<byte[]> untrustedProof, byte[] trustedRoot)
      throws ProofVerificationException {
    Objects.requireNonNull(trustedRoot, "trustedRoot");
    requireHash("trusted root", trustedRoot);
    byte[] computedRoot = rootFromInclusionProof(leafHash, leafIndex, treeSize, untrustedProof);
    requireMatch("root of tree size " + treeSize, trustedRoot, computedRoot);
  }

  /**
   * Recomputes the root of the tree of {@code treeSize} leaves implied by an inclusion proof for
   * {@code leafHash} at {@code leafIndex}. The result is only as trustworthy as the proof: the
   * caller must compare it with a trusted root (or use {@link #verifyInclusion}).
   *
   * @throws ProofVerificationException if the index is not below the size, the leaf hash or a proof
   *     element is not 32 bytes, or the proof has the wrong number of elements
   */
  public static byte[] rootFromInclusionProof(
      byte[] leafHash, long leafIndex, long treeSize, List<byte[]> untrustedProof)
      throws ProofVerificationException {
    Objects.requireNonNull(leafHash, "leafHash");
    Objects.requireNonNull(untrustedProof, "untrustedProof");
    if (leafIndex < 0 || treeSize <= 0 || leafIndex >= treeSize) {
      throw new ProofVerificationException(
          "leaf index", "0 <= index < tree size " + treeSize, Long.toString(leafIndex));
    }
    requireHash("leaf hash", leafHash);

    int inner = innerProofSize(leafIndex, treeSize);
    int border = Long.bitCount(leafIndex >>> inner);
    requireProofSize(untrustedProof, inner + border);
    requireHashes(untrustedProof);

    byte[] hash = chainInner(leafHash, untrustedProof, 0, inner, leafIndex);
    return chainBorderRight(hash, untrustedProof, inner, inner + border);
  }

  /**
   * Checks that the tree of {@code size2} leaves with root {@code claimedRoot2} is an append-only
   * extension of the tree of {@code size1} leaves with root {@code trustedRoot1}.
   *
   * <p>Requires {@code 0 < size1 <= size2}: a consistency proof from the empty tree is meaningless
   * and is rejected (as in verify.go); the caller handles a first checkpoint without one. When
   * {@code size1 == size2} the proof must be empty and the two roots must be equal byte for byte
   * (their length is not checked, as in verify.go, since nothing is hashed).
   *
   * <p>On success {@code claimedRoot2} is proven consistent with {@code trustedRoot1}; it becomes
   * trustworthy only together with {@code size2} once the caller has also verified the checkpoint
   * that carries them.
   *
   * @throws ProofVerificationException if the sizes are impossible, the proof is malformed, or
   *     either recomputed root does not match
   */
  public static void verifyConsistency(
      long size1, long size2, List<byte[]> untrustedProof, byte[] trustedRoot1, byte[] claimedRoot2)
      throws ProofVerificationException {
    Objects.requireNonNull(untrustedProof, "untrustedProof");
    Objects.requireNonNull(trustedRoot1, "trustedRoot1");
    Objects.requireNonNull(claimedRoot2, "claimedRoot2");
    if (size1 < 0 || size2 < 0 || size2 < size1) {
      throw new ProofVerificationException(
          "tree sizes", "0 <= size1 <= size2", "size1 " + size1 + ", size2 " + size2);
    }
    if (size1 == 0) {
      throw new ProofVerificationException(
          "size1", "a non-empty older tree (consistency from size 0 is meaningless)", "0");
    }
    if (size1 == size2) {
      requireProofSize(untrustedProof, 0);
      requireMatch("root of tree size " + size2, trustedRoot1, claimedRoot2);
      return;
    }
    if (untrustedProof.isEmpty()) {
      throw new ProofVerificationException(
          "consistency proof", "a non-empty proof for size1 < size2", "an empty proof");
    }
    requireHash("trusted root1", trustedRoot1);
    requireHash("claimed root2", claimedRoot2);

    // The proof is a suffix of the inclusion proof of leaf size1-1 in the tree of size2, starting
    // at level `shift`, the height of the largest perfect subtree ending at size1.
    int inner = innerProofSize(size1 - 1, size2);
    int border = Long.bitCount((size1 - 1) >>> inner);
    int shift = Long.numberOfTrailingZeros(size1);
    inner -= shift; // shift < inner because size1 < size2

    // The seed is the root of that subtree: given by the proof, unless it is the whole old tree.
    boolean oldTreeIsPerfect = size1 == (1L << shift);
    int start = oldTreeIsPerfect ? 0 : 1;
    requireProofSize(untrustedProof, start + inner + border);
    requireHashes(untrustedProof);
    byte[] seed = oldTreeIsPerfect ? trustedRoot1 : untrustedProof.get(0);
    long mask = (size1 - 1) >>> shift;
    int innerEnd = start + inner;
    int end = innerEnd + border;

    byte[] hash1 = chainInnerRight(seed, untrustedProof, start, innerEnd, mask);
    hash1 = chainBorderRight(hash1, untrustedProof, innerEnd, end);
    requireMatch("root of tree size " + size1, trustedRoot1, hash1);

    byte[] hash2 = chainInner(seed, untrustedProof, start, innerEnd, mask);
    hash2 = chainBorderRight(hash2, untrustedProof, innerEnd, end);
    requireMatch("root of tree size " + size2, claimedRoot2, hash2);
  }

  /** Height of the node where the paths to leaves {@code index} and {@code size-1} meet. */
  private static int innerProofSize(long index, long size) {
    return 64 - Long.numberOfLeadingZeros(index ^ (size - 1));
  }

  /** Hashes up the levels below the fork; bit i of {@code index} says which side the seed is on. */
  private static byte[] chainInner(byte[] seed, List<byte[]> proof, int from, int to, long index) {
    for (int i = from; i < to; i++) {
      byte[] h = proof.get(i);
      seed = ((index >>> (i - from)) & 1) == 0 ? Rfc9162.hashChildren(seed, h) : Rfc9162.hashChildren(h, seed);
    }
    return seed;
  }

  /** Like {@link #chainInner} but only left siblings: the same subtree as it was in the older tree. */
  private static byte[] chainInnerRight(byte[] seed, List<byte[]> proof, int from, int to, long index) {
    for (int i = from; i < to; i++) {
      if (((index >>> (i - from)) & 1) == 1) {
        seed = Rfc9162.hashChildren(proof.get(i), seed);
      }
    }
    return seed;
  }

  /** Above the fork the path runs along the right border: every sibling is on the left. */
  private static byte[] chainBorderRight(byte[] seed, List<byte[]> proof, int from, int to) {
    for (int i = from; i < to; i++) {
      seed = Rfc9162.hashChildren(proof.get(i), seed);
    }
    return seed;
  }

  private static void requireProofSize(List<byte[]> proof, int want) throws ProofVerificationException {
    if (proof.size() != want) {
      throw new ProofVerificationException(
          "proof length", want + " hashes", proof.size() + " hashes");
    }
  }

  private static void requireHashes(List<byte[]> proof) throws ProofVerificationException {
    for (int i = 0; i < proof.size(); i++) {
      requireHash("proof[" + i + "]", proof.get(i));
    }
  }

  private static void requireHash(String what, byte[] hash) throws ProofVerificationException {
    if (hash == null || hash.length != Rfc9162.HASH_SIZE) {
      throw new ProofVerificationException(
          what + " length",
          Rfc9162.HASH_SIZE + " bytes",
          hash == null ? "null" : hash.length + " bytes");
    }
  }

  private static void requireMatch(String what, byte[] expected, byte[] computed)
      throws ProofVerificationException {
    if (!MessageDigest.isEqual(expected, computed)) {
      throw new ProofVerificationException(what, HEX.formatHex(expected), HEX.formatHex(computed));
    }
  }
}
