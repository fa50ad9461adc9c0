package dev.arbiter.ledger.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * Properties over random trees of 1..2000 leaves: honest proofs verify, compact ranges agree with
 * the full tree, and any single tampering is rejected. Tree sizes are not authenticated by proofs
 * (see {@link ProofVerifier}), so for a flipped size the verdict must equal that of the RFC 9162
 * reference algorithm instead: it accepts exactly when the tree shape along the path is unchanged.
 */
class MerkleProperties {

  enum InclusionTamper { PROOF_BIT, ROOT_BIT, LEAF_BIT, INDEX_BIT, SIZE_BIT, ADD_ELEMENT, REMOVE_ELEMENT }

  enum ConsistencyTamper { PROOF_BIT, ROOT1_BIT, ROOT2_BIT, SIZE1_BIT, SIZE2_BIT, ADD_ELEMENT, REMOVE_ELEMENT }

  @Property(tries = 60)
  void inclusionProofs_forEveryLeaf_verifyAgainstTheRoot(
      @ForAll @IntRange(min = 1, max = 2000) int size, @ForAll long seed) throws Exception {
    List<byte[]> leaves = TestTrees.leafHashes(seed, size);
    InMemoryNodes nodes = TestTrees.tree(leaves);
    byte[] root = MerkleProofs.root(nodes, size);
    for (int index = 0; index < size; index++) {
      List<byte[]> proof = MerkleProofs.inclusion(nodes, index, size);
      ProofVerifier.verifyInclusion(leaves.get(index), index, size, proof, root);
    }
  }

  @Property(tries = 60)
  void consistencyProofs_fromEveryOlderSize_verify(
      @ForAll @IntRange(min = 1, max = 2000) int size2, @ForAll long seed) throws Exception {
    InMemoryNodes nodes = TestTrees.tree(TestTrees.leafHashes(seed, size2));
    byte[] root2 = MerkleProofs.root(nodes, size2);
    for (int size1 = 1; size1 <= size2; size1++) {
      List<byte[]> proof = MerkleProofs.consistency(nodes, size1, size2);
      ProofVerifier.verifyConsistency(size1, size2, proof, MerkleProofs.root(nodes, size1), root2);
    }
  }

  @Property(tries = 60)
  void compactRangeRoot_equalsMerkleRoot_atEveryPrefix(
      @ForAll @IntRange(min = 1, max = 2000) int size, @ForAll long seed) {
    List<byte[]> leaves = TestTrees.leafHashes(seed, size);
    InMemoryNodes nodes = new InMemoryNodes();
    CompactRange range = new CompactRange();
    for (int i = 0; i < size; i++) {
      nodes.append(leaves.get(i));
      range.append(leaves.get(i));
      assertThat(range.size()).isEqualTo(i + 1);
      assertThat(range.root()).isEqualTo(MerkleProofs.root(nodes, i + 1));
      assertThat(range.peaks()).hasSize(Long.bitCount(i + 1));
    }
    assertThat(range.root()).isEqualTo(TestTrees.referenceRoot(leaves));
  }

  @Property(tries = 400)
  void inclusion_whenTampered_isRejected(
      @ForAll @IntRange(min = 1, max = 2000) int size,
      @ForAll long seed,
      @ForAll @IntRange(min = 0, max = 1_000_000) int indexPick,
      @ForAll InclusionTamper tamper,
      @ForAll @IntRange(min = 0, max = 255) int bit,
      @ForAll @IntRange(min = 0, max = 1_000_000) int elementPick) {
    List<byte[]> leaves = TestTrees.leafHashes(seed, size);
    InMemoryNodes nodes = TestTrees.tree(leaves);
    long index = indexPick % size;
    byte[] leaf = leaves.get((int) index);
    byte[] root = MerkleProofs.root(nodes, size);
    List<byte[]> proof = MerkleProofs.inclusion(nodes, index, size);
    int n = proof.size();
    boolean needsElement = tamper == InclusionTamper.PROOF_BIT || tamper == InclusionTamper.REMOVE_ELEMENT;
    Assume.that(!needsElement || n > 0);

    switch (tamper) {
      case PROOF_BIT -> {
        int i = elementPick % n;
        List<byte[]> bad = TestTrees.withElement(proof, i, TestTrees.flipBit(proof.get(i), bit));
        assertRejected(() -> ProofVerifier.verifyInclusion(leaf, index, size, bad, root));
      }
      case ROOT_BIT ->
          assertRejected(() -> ProofVerifier.verifyInclusion(leaf, index, size, proof, TestTrees.flipBit(root, bit)));
      case LEAF_BIT ->
          assertRejected(() -> ProofVerifier.verifyInclusion(TestTrees.flipBit(leaf, bit), index, size, proof, root));
      case INDEX_BIT -> {
        long badIndex = index ^ (1L << (bit % 64));
        assertRejected(() -> ProofVerifier.verifyInclusion(leaf, badIndex, size, proof, root));
      }
      case SIZE_BIT -> {
        long badSize = size ^ (1L << (bit % 64));
        boolean reference = Rfc9162ReferenceVerifier.inclusion(leaf, index, badSize, proof, root);
        ThrowingCallable verify = () -> ProofVerifier.verifyInclusion(leaf, index, badSize, proof, root);
        if (reference) {
          assertThatCode(verify).as("same path shape at size %d as at %d", badSize, size).doesNotThrowAnyException();
        } else {
          assertRejected(verify);
        }
      }
      case ADD_ELEMENT -> {
        List<byte[]> bad = new ArrayList<>(proof);
        byte[] extra = bit % 2 == 0 ? root : Rfc9162.hashLeaf(new byte[] {(byte) bit});
        bad.add(elementPick % (n + 1), extra);
        assertRejected(() -> ProofVerifier.verifyInclusion(leaf, index, size, bad, root));
      }
      case REMOVE_ELEMENT -> {
        List<byte[]> bad = new ArrayList<>(proof);
        bad.remove(elementPick % n);
        assertRejected(() -> ProofVerifier.verifyInclusion(leaf, index, size, bad, root));
      }
    }
  }

  @Property(tries = 400)
  void consistency_whenTampered_isRejected(
      @ForAll @IntRange(min = 1, max = 2000) int size2,
      @ForAll long seed,
      @ForAll @IntRange(min = 0, max = 1_000_000) int size1Pick,
      @ForAll ConsistencyTamper tamper,
      @ForAll @IntRange(min = 0, max = 255) int bit,
      @ForAll @IntRange(min = 0, max = 1_000_000) int elementPick) {
    InMemoryNodes nodes = TestTrees.tree(TestTrees.leafHashes(seed, size2));
    long size1 = 1 + size1Pick % size2;
    byte[] root1 = MerkleProofs.root(nodes, size1);
    byte[] root2 = MerkleProofs.root(nodes, size2);
    List<byte[]> proof = MerkleProofs.consistency(nodes, size1, size2);
    int n = proof.size();
    boolean needsElement =
        tamper == ConsistencyTamper.PROOF_BIT || tamper == ConsistencyTamper.REMOVE_ELEMENT;
    Assume.that(!needsElement || n > 0);

    switch (tamper) {
      case PROOF_BIT -> {
        int i = elementPick % n;
        List<byte[]> bad = TestTrees.withElement(proof, i, TestTrees.flipBit(proof.get(i), bit));
        assertRejected(() -> ProofVerifier.verifyConsistency(size1, size2, bad, root1, root2));
      }
      case ROOT1_BIT ->
          assertRejected(() -> ProofVerifier.verifyConsistency(size1, size2, proof, TestTrees.flipBit(root1, bit), root2));
      case ROOT2_BIT ->
          assertRejected(() -> ProofVerifier.verifyConsistency(size1, size2, proof, root1, TestTrees.flipBit(root2, bit)));
      case SIZE1_BIT -> {
        long bad1 = size1 ^ (1L << (bit % 64));
        assertSameVerdictAsReference(bad1, size2, proof, root1, root2);
      }
      case SIZE2_BIT -> {
        long bad2 = size2 ^ (1L << (bit % 64));
        assertSameVerdictAsReference(size1, bad2, proof, root1, root2);
      }
      case ADD_ELEMENT -> {
        List<byte[]> bad = new ArrayList<>(proof);
        byte[] extra = bit % 2 == 0 ? root1 : Rfc9162.hashLeaf(new byte[] {(byte) bit});
        bad.add(elementPick % (n + 1), extra);
        assertRejected(() -> ProofVerifier.verifyConsistency(size1, size2, bad, root1, root2));
      }
      case REMOVE_ELEMENT -> {
        List<byte[]> bad = new ArrayList<>(proof);
        bad.remove(elementPick % n);
        assertRejected(() -> ProofVerifier.verifyConsistency(size1, size2, bad, root1, root2));
      }
    }
  }

  @Property(tries = 200)
  void consistency_whenSizeFlipped_isRejectedOrHasTheSameShapeAsTheTrueSizes(
      @ForAll @IntRange(min = 2, max = 2000) int size2,
      @ForAll long seed,
      @ForAll @IntRange(min = 0, max = 1_000_000) int size1Pick,
      @ForAll @IntRange(min = 0, max = 63) int bit,
      @ForAll boolean flipSize1) {
    InMemoryNodes nodes = TestTrees.tree(TestTrees.leafHashes(seed, size2));
    long size1 = 1 + size1Pick % (size2 - 1);
    byte[] root1 = MerkleProofs.root(nodes, size1);
    byte[] root2 = MerkleProofs.root(nodes, size2);
    List<byte[]> proof = MerkleProofs.consistency(nodes, size1, size2);
    long bad1 = flipSize1 ? size1 ^ (1L << bit) : size1;
    long bad2 = flipSize1 ? size2 : size2 ^ (1L << bit);
    assertSameVerdictAsReference(bad1, bad2, proof, root1, root2);
  }

  private static void assertSameVerdictAsReference(
      long size1, long size2, List<byte[]> proof, byte[] root1, byte[] root2) {
    boolean reference = Rfc9162ReferenceVerifier.consistency(size1, size2, proof, root1, root2);
    ThrowingCallable verify = () -> ProofVerifier.verifyConsistency(size1, size2, proof, root1, root2);
    if (reference) {
      assertThatCode(verify).as("same shape for sizes %d, %d", size1, size2).doesNotThrowAnyException();
    } else {
      assertRejected(verify);
    }
  }

  private static void assertRejected(ThrowingCallable verify) {
    assertThatThrownBy(verify).isInstanceOf(ProofVerificationException.class);
  }
}
