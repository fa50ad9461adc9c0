package dev.arbiter.ledger.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProofVerifierTest {

  private static final List<byte[]> LEAVES = TestTrees.leafHashes(7, 16);
  private static final InMemoryNodes NODES = TestTrees.tree(LEAVES);

  private static byte[] root(long size) {
    return MerkleProofs.root(NODES, size);
  }

  private static List<byte[]> inclusion(long index, long size) {
    return MerkleProofs.inclusion(NODES, index, size);
  }

  private static List<byte[]> consistency(long size1, long size2) {
    return MerkleProofs.consistency(NODES, size1, size2);
  }

  // ---- inclusion ----

  @Test
  void verifyInclusion_whenProofIsValid_passes() {
    assertThatCode(() -> ProofVerifier.verifyInclusion(LEAVES.get(5), 5, 11, inclusion(5, 11), root(11)))
        .doesNotThrowAnyException();
  }

  @Test
  void verifyInclusion_whenProofTooShort_throws() {
    List<byte[]> proof = inclusion(5, 11);
    assertThatThrownBy(
            () -> ProofVerifier.verifyInclusion(LEAVES.get(5), 5, 11, proof.subList(0, proof.size() - 1), root(11)))
        .isInstanceOf(ProofVerificationException.class)
        .hasMessageContaining("proof length")
        .hasMessageContaining("expected " + proof.size() + " hashes")
        .hasMessageContaining("found " + (proof.size() - 1) + " hashes");
  }

  @Test
  void verifyInclusion_whenProofTooLong_throws() {
    List<byte[]> proof = new ArrayList<>(inclusion(5, 11));
    proof.add(root(11));
    assertThatThrownBy(() -> ProofVerifier.verifyInclusion(LEAVES.get(5), 5, 11, proof, root(11)))
        .isInstanceOf(ProofVerificationException.class)
        .hasMessageContaining("proof length");
  }

  @Test
  void verifyInclusion_whenIndexNotBelowSize_throws() {
    assertThatThrownBy(() -> ProofVerifier.verifyInclusion(LEAVES.get(0), 11, 11, List.of(), root(11)))
        .isInstanceOf(ProofVerificationException.class)
        .hasMessageContaining("leaf index")
        .hasMessageContaining("found 11");
  }

  @Test
  void verifyInclusion_whenTreeEmpty_throws() {
    assertThatThrownBy(() -> ProofVerifier.verifyInclusion(LEAVES.get(0), 0, 0, List.of(), Rfc9162.emptyRoot()))
        .isInstanceOf(ProofVerificationException.class);
  }

  @Test
  void verifyInclusion_whenIndexNegative_throws() {
    assertThatThrownBy(() -> ProofVerifier.verifyInclusion(LEAVES.get(0), -1, 11, inclusion(0, 11), root(11)))
        .isInstanceOf(ProofVerificationException.class);
  }

  @Test
  void verifyInclusion_whenLeafHashNot32Bytes_throws() {
    byte[] shortLeaf = Arrays.copyOf(LEAVES.get(5), 31);
    assertThatThrownBy(() -> ProofVerifier.verifyInclusion(shortLeaf, 5, 11, inclusion(5, 11), root(11)))
        .isInstanceOf(ProofVerificationException.class)
        .satisfies(e -> {
          ProofVerificationException pve = (ProofVerificationException) e;
          assertThat(pve.expected()).isEqualTo("32 bytes");
          assertThat(pve.found()).isEqualTo("31 bytes");
        });
  }

  @Test
  void verifyInclusion_whenProofElementNot32Bytes_throws() {
    List<byte[]> proof = inclusion(5, 11);
    List<byte[]> bad = TestTrees.withElement(proof, 1, Arrays.copyOf(proof.get(1), 33));
    assertThatThrownBy(() -> ProofVerifier.verifyInclusion(LEAVES.get(5), 5, 11, bad, root(11)))
        .isInstanceOf(ProofVerificationException.class)
        .hasMessageContaining("proof[1] length");
  }

  @Test
  void verifyInclusion_whenProofElementNull_throws() {
    List<byte[]> bad = new ArrayList<>(inclusion(5, 11));
    bad.set(0, null);
    assertThatThrownBy(() -> ProofVerifier.verifyInclusion(LEAVES.get(5), 5, 11, bad, root(11)))
        .isInstanceOf(ProofVerificationException.class)
        .hasMessageContaining("found null");
  }

  @Test
  void verifyInclusion_whenTrustedRootNot32Bytes_throws() {
    assertThatThrownBy(() -> ProofVerifier.verifyInclusion(LEAVES.get(5), 5, 11, inclusion(5, 11), new byte[0]))
        .isInstanceOf(ProofVerificationException.class)
        .hasMessageContaining("trusted root length");
  }

  @Test
  void verifyInclusion_whenRootDiffers_throwsWithExpectedAndFoundRoots() {
    byte[] wrongRoot = root(10);
    assertThatThrownBy(() -> ProofVerifier.verifyInclusion(LEAVES.get(5), 5, 11, inclusion(5, 11), wrongRoot))
        .isInstanceOf(ProofVerificationException.class)
        .hasMessageContaining("root of tree size 11")
        .hasMessageContaining("expected " + TestTrees.HEX.formatHex(wrongRoot))
        .hasMessageContaining("found " + TestTrees.HEX.formatHex(root(11)));
  }

  @Test
  void rootFromInclusionProof_returnsTheRootTheProofImplies() throws Exception {
    assertThat(ProofVerifier.rootFromInclusionProof(LEAVES.get(10), 10, 11, inclusion(10, 11)))
        .isEqualTo(root(11));
  }

  /**
   * Documents what the caller must still check: an inclusion proof does not authenticate the tree
   * size. Leaf 0's path in a tree of 5 has the same shape as in a tree of 7, so the proof also
   * "verifies" for size 7 against the size-5 root. Size and root must come from one signed
   * checkpoint; paired correctly (7 with the real size-7 root) the proof is rejected.
   */
  @Test
  void verifyInclusion_treeSizeIsNotBoundByTheProof_soItMustComeWithTheTrustedRoot() {
    List<byte[]> proof = inclusion(0, 5);
    assertThatCode(() -> ProofVerifier.verifyInclusion(LEAVES.get(0), 0, 7, proof, root(5)))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> ProofVerifier.verifyInclusion(LEAVES.get(0), 0, 7, proof, root(7)))
        .isInstanceOf(ProofVerificationException.class);
  }

  // ---- consistency ----

  @Test
  void verifyConsistency_whenProofIsValid_passes() {
    assertThatCode(() -> ProofVerifier.verifyConsistency(6, 13, consistency(6, 13), root(6), root(13)))
        .doesNotThrowAnyException();
    assertThatCode(() -> ProofVerifier.verifyConsistency(8, 13, consistency(8, 13), root(8), root(13)))
        .doesNotThrowAnyException();
  }

  @Test
  void verifyConsistency_whenSizesEqualAndRootsEqualAndProofEmpty_passes() {
    assertThatCode(() -> ProofVerifier.verifyConsistency(9, 9, List.of(), root(9), root(9)))
        .doesNotThrowAnyException();
  }

  @Test
  void verifyConsistency_whenSizesEqualButRootsDiffer_throws() {
    assertThatThrownBy(() -> ProofVerifier.verifyConsistency(9, 9, List.of(), root(9), root(8)))
        .isInstanceOf(ProofVerificationException.class)
        .hasMessageContaining("root of tree size 9");
  }

  @Test
  void verifyConsistency_whenSizesEqualButProofNotEmpty_throws() {
    assertThatThrownBy(() -> ProofVerifier.verifyConsistency(9, 9, List.of(root(9)), root(9), root(9)))
        .isInstanceOf(ProofVerificationException.class)
        .hasMessageContaining("expected 0 hashes");
  }

  @Test
  void verifyConsistency_fromSizeZero_throws() {
    assertThatThrownBy(
            () -> ProofVerifier.verifyConsistency(0, 0, List.of(), Rfc9162.emptyRoot(), Rfc9162.emptyRoot()))
        .isInstanceOf(ProofVerificationException.class)
        .hasMessageContaining("size1");
    assertThatThrownBy(() -> ProofVerifier.verifyConsistency(0, 4, List.of(), Rfc9162.emptyRoot(), root(4)))
        .isInstanceOf(ProofVerificationException.class);
  }

  @Test
  void verifyConsistency_whenSize1GreaterThanSize2_throws() {
    assertThatThrownBy(() -> ProofVerifier.verifyConsistency(5, 4, List.of(), root(5), root(4)))
        .isInstanceOf(ProofVerificationException.class)
        .hasMessageContaining("size1 5, size2 4");
  }

  @Test
  void verifyConsistency_whenProofEmptyForDifferentSizes_throws() {
    assertThatThrownBy(() -> ProofVerifier.verifyConsistency(4, 8, List.of(), root(4), root(8)))
        .isInstanceOf(ProofVerificationException.class)
        .hasMessageContaining("empty proof");
  }

  @Test
  void verifyConsistency_whenProofTooShort_throws() {
    List<byte[]> proof = consistency(6, 13);
    assertThatThrownBy(
            () -> ProofVerifier.verifyConsistency(6, 13, proof.subList(1, proof.size()), root(6), root(13)))
        .isInstanceOf(ProofVerificationException.class)
        .hasMessageContaining("proof length");
  }

  @Test
  void verifyConsistency_whenOldRootWrong_throwsNamingSize1() {
    assertThatThrownBy(() -> ProofVerifier.verifyConsistency(6, 13, consistency(6, 13), root(5), root(13)))
        .isInstanceOf(ProofVerificationException.class)
        .hasMessageContaining("root of tree size 6");
  }

  @Test
  void verifyConsistency_whenNewRootWrong_throwsNamingSize2() {
    assertThatThrownBy(() -> ProofVerifier.verifyConsistency(6, 13, consistency(6, 13), root(6), root(12)))
        .isInstanceOf(ProofVerificationException.class)
        .hasMessageContaining("root of tree size 13");
  }

  /**
   * Like inclusion proofs, a consistency proof does not bind size2: from the perfect tree of 4, the
   * proof to 5 has the same shape as the proof to 7. The RFC 9162 reference algorithm agrees, and
   * pairing size 7 with its real root rejects it, so size2 and claimedRoot2 must come from one
   * verified checkpoint.
   */
  @Test
  void verifyConsistency_size2IsNotBoundByTheProof_soItMustComeWithItsRoot() {
    List<byte[]> proof = consistency(4, 5);
    assertThat(Rfc9162ReferenceVerifier.consistency(4, 7, proof, root(4), root(5))).isTrue();
    assertThatCode(() -> ProofVerifier.verifyConsistency(4, 7, proof, root(4), root(5)))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> ProofVerifier.verifyConsistency(4, 7, proof, root(4), root(7)))
        .isInstanceOf(ProofVerificationException.class);
  }

  /**
   * verify.go would accept this: with a 1-leaf old tree the seed is root1 itself, so a 31-byte
   * "root1" followed by a 33-byte proof element hashes to the same bytes as the honest pair. We
   * refuse hashes that are not 32 bytes before hashing anything.
   */
  @Test
  void verifyConsistency_whenBytesShiftedBetweenRoot1AndProof_throws() {
    byte[] leaf0 = LEAVES.get(0);
    byte[] leaf1 = LEAVES.get(1);
    byte[] shiftedRoot1 = Arrays.copyOf(leaf0, 31);
    byte[] shiftedProof0 = new byte[33];
    shiftedProof0[0] = leaf0[31];
    System.arraycopy(leaf1, 0, shiftedProof0, 1, 32);
    assertThat(Rfc9162.hashChildren(shiftedRoot1, shiftedProof0)).isEqualTo(root(2));
    assertThatThrownBy(
            () -> ProofVerifier.verifyConsistency(1, 2, List.of(shiftedProof0), shiftedRoot1, root(2)))
        .isInstanceOf(ProofVerificationException.class)
        .hasMessageContaining("32 bytes");
  }

  @Test
  void verifiers_whenArgumentsNull_throwNullPointerException() {
    assertThatThrownBy(() -> ProofVerifier.verifyInclusion(null, 0, 1, List.of(), root(1)))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> ProofVerifier.verifyConsistency(1, 2, null, root(1), root(2)))
        .isInstanceOf(NullPointerException.class);
  }
}
