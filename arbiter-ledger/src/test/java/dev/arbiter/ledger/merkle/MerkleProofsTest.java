package dev.arbiter.ledger.merkle;

import static dev.arbiter.ledger.merkle.TestTrees.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MerkleProofsTest {

  private static final InMemoryNodes TEST_TREE = TestTrees.tree(Rfc9162Test.testTreeLeafHashes());

  /** Sizes that stress the decomposition: 1, powers of two, and 2^k ± 1. */
  private static final long[] EDGE_SIZES = {
    1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1023,
    1024, 1025
  };

  private static List<String> hexes(List<byte[]> proof) {
    return proof.stream().map(TestTrees.HEX::formatHex).toList();
  }

  // Expected proofs: the proof vectors of transparency-dev/merkle's testdata generator, over the
  // rfc6962 8-leaf test tree (indices there are 1-based).

  @Test
  void inclusion_ofTestTree_matchesReferenceProofs() {
    assertThat(hexes(MerkleProofs.inclusion(TEST_TREE, 0, 1))).isEmpty();
    assertThat(hexes(MerkleProofs.inclusion(TEST_TREE, 0, 8)))
        .containsExactly(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
    assertThat(hexes(MerkleProofs.inclusion(TEST_TREE, 5, 8)))
        .containsExactly(
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
    assertThat(hexes(MerkleProofs.inclusion(TEST_TREE, 2, 3)))
        .containsExactly("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
    assertThat(hexes(MerkleProofs.inclusion(TEST_TREE, 1, 5)))
        .containsExactly(
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
  }

  @Test
  void consistency_ofTestTree_matchesReferenceProofs() {
    assertThat(hexes(MerkleProofs.consistency(TEST_TREE, 1, 1))).isEmpty();
    assertThat(hexes(MerkleProofs.consistency(TEST_TREE, 1, 8)))
        .containsExactly(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
    assertThat(hexes(MerkleProofs.consistency(TEST_TREE, 6, 8)))
        .containsExactly(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
    assertThat(hexes(MerkleProofs.consistency(TEST_TREE, 2, 5)))
        .containsExactly(
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
    assertThat(hexes(MerkleProofs.consistency(TEST_TREE, 6, 7)))
        .containsExactly(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
  }

  @Test
  void root_ofSize8_isTheLevel3Node() {
    assertThat(MerkleProofs.root(TEST_TREE, 8))
        .isEqualTo(hex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"));
  }

  @Test
  void proofs_atEdgeSizes_verifyForFirstMiddleAndLastLeaf() throws Exception {
    List<byte[]> leaves = TestTrees.leafHashes(42, 1025);
    InMemoryNodes nodes = TestTrees.tree(leaves);
    for (long size : EDGE_SIZES) {
      byte[] root = MerkleProofs.root(nodes, size);
      assertThat(root).as("root %d", size).isEqualTo(TestTrees.referenceRoot(leaves.subList(0, (int) size)));
      for (long index : new long[] {0, size / 2, size - 1}) {
        List<byte[]> proof = MerkleProofs.inclusion(nodes, index, size);
        assertThat(proof).as("proof length").hasSizeLessThanOrEqualTo(64 - Long.numberOfLeadingZeros(size - 1));
        ProofVerifier.verifyInclusion(leaves.get((int) index), index, size, proof, root);
      }
      for (long size1 : new long[] {1, size / 2, size - 1, size}) {
        if (size1 >= 1) {
          List<byte[]> proof = MerkleProofs.consistency(nodes, size1, size);
          ProofVerifier.verifyConsistency(size1, size, proof, MerkleProofs.root(nodes, size1), root);
        }
      }
    }
  }

  @Test
  void inclusionRange_isExactlyTheSingleLeafProofs() {
    List<byte[]> leaves = TestTrees.leafHashes(7, 1025);
    InMemoryNodes nodes = TestTrees.tree(leaves);
    for (long size : new long[] {1, 2, 3, 7, 8, 9, 255, 256, 257, 600, 1023, 1025}) {
      for (long first : new long[] {0, size / 3, size - 1}) {
        int count = (int) Math.min(size - first, 300);
        List<List<byte[]>> range = MerkleProofs.inclusionRange(nodes, first, count, size);
        assertThat(range).hasSize(count);
        for (int i = 0; i < count; i++) {
          assertThat(hexes(range.get(i))).as("size %d leaf %d", size, first + i)
              .isEqualTo(hexes(MerkleProofs.inclusion(nodes, first + i, size)));
        }
      }
    }
    assertThatThrownBy(() -> MerkleProofs.inclusionRange(nodes, 5, 4, 8)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void inclusionRange_readsEachSiblingOnce() {
    InMemoryNodes nodes = TestTrees.tree(TestTrees.leafHashes(9, 1025));
    java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
    NodeSource counting = (level, index) -> {
      reads.incrementAndGet();
      return nodes.completeNode(level, index);
    };
    int count = 300;
    List<List<byte[]>> range = MerkleProofs.inclusionRange(counting, 700, count, 1025);
    int perLeaf = 0;
    for (List<byte[]> p : range) {
      perLeaf += p.size();
    }
    // One proof at a time reads every sibling of every leaf (~11 per leaf here); one walk reads a
    // node once for all the leaves under it: count/2 + count/4 + ... siblings per side, plus the edge.
    assertThat(perLeaf).isGreaterThan(10 * count);
    assertThat(reads.get()).isLessThanOrEqualTo(2 * count + 4 * 11);
    // Leaves under the same sibling share its array (the lists are the caller's to read, not to change).
    assertThat(range.get(0).get(range.get(0).size() - 1)).isSameAs(range.get(count - 1).get(range.get(count - 1).size() - 1));

    // Wrapped (as the ledger's writer does), each distinct sibling is wrapped once, with the same result.
    java.util.concurrent.atomic.AtomicInteger wraps = new java.util.concurrent.atomic.AtomicInteger();
    List<List<String>> wrapped = MerkleProofs.inclusionRange(nodes, 700, count, 1025, h -> {
      wraps.incrementAndGet();
      return java.util.HexFormat.of().formatHex(h);
    });
    assertThat(wraps.get()).isLessThanOrEqualTo(2 * count + 4 * 11);
    for (int i = 0; i < count; i++) {
      assertThat(wrapped.get(i)).isEqualTo(hexes(range.get(i)));
    }
  }

  @Test
  void inclusion_ofOnlyLeaf_isEmptyAndRootIsTheLeaf() throws Exception {
    byte[] leaf = Rfc9162.hashLeaf(new byte[] {1});
    InMemoryNodes nodes = TestTrees.tree(List.of(leaf));
    assertThat(MerkleProofs.inclusion(nodes, 0, 1)).isEmpty();
    assertThat(MerkleProofs.root(nodes, 1)).isEqualTo(leaf);
    ProofVerifier.verifyInclusion(leaf, 0, 1, List.of(), leaf);
  }

  @Test
  void root_ofSizeZero_isEmptyRootWithoutAskingForNodes() {
    assertThat(MerkleProofs.root((level, index) -> { throw new AssertionError("no node needed"); }, 0))
        .isEqualTo(Rfc9162.emptyRoot());
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 5, 1L << 20, (1L << 20) + 1, (1L << 40) - 1, 1_000_000_007L, Long.MAX_VALUE})
  void proofs_useLogarithmicallyManyCompleteNodes(long size) {
    CountingSource nodes = new CountingSource(size);
    int bound = 2 * 64;
    MerkleProofs.root(nodes, size);
    assertThat(nodes.calls.getAndSet(0)).isLessThanOrEqualTo(64);
    for (long index : new long[] {0, size / 3, size / 2, size - 1}) {
      MerkleProofs.inclusion(nodes, index, size);
      assertThat(nodes.calls.getAndSet(0)).isLessThanOrEqualTo(bound);
    }
    for (long size1 : LongStream.of(1, size / 3, size / 2, size - 1, size).filter(s -> s > 0).toArray()) {
      MerkleProofs.consistency(nodes, size1, size);
      assertThat(nodes.calls.getAndSet(0)).isLessThanOrEqualTo(bound);
    }
  }

  @Test
  void inclusion_whenIndexNotBelowSize_throws() {
    assertThatThrownBy(() -> MerkleProofs.inclusion(TEST_TREE, 8, 8))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("8");
    assertThatThrownBy(() -> MerkleProofs.inclusion(TEST_TREE, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MerkleProofs.inclusion(TEST_TREE, -1, 8))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void consistency_whenSize1GreaterThanSize2_throws() {
    assertThatThrownBy(() -> MerkleProofs.consistency(TEST_TREE, 5, 4))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void consistency_fromEmptyTree_throws() {
    assertThatThrownBy(() -> MerkleProofs.consistency(TEST_TREE, 0, 4))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void root_whenSizeNegative_throws() {
    assertThatThrownBy(() -> MerkleProofs.root(TEST_TREE, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void proofs_whenTreeSizeBeyondStoredNodes_propagateTheSourcesRefusal() {
    assertThatThrownBy(() -> MerkleProofs.root(TEST_TREE, 9))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no complete node");
  }

  /** Fake node hashes for huge trees; fails if asked for a node not complete within the size. */
  private static final class CountingSource implements NodeSource {
    final long size;
    final AtomicInteger calls = new AtomicInteger();

    CountingSource(long size) {
      this.size = size;
    }

    @Override
    public byte[] completeNode(int level, long index) {
      calls.incrementAndGet();
      assertThat(level).isBetween(0, 62);
      assertThat(index).isNotNegative();
      assertThat(index + 1).as("node (%d, %d) complete in size %d", level, index, size)
          .isLessThanOrEqualTo(size >>> level);
      return Rfc9162.hashLeaf(ByteBuffer.allocate(12).putInt(level).putLong(index).array());
    }
  }
}
