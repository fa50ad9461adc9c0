package dev.arbiter.ledger.merkle;

import static dev.arbiter.ledger.merkle.TestTrees.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CompactRangeTest {

  /** CompactTrees() of transparency-dev/merkle testonly/constants.go: peaks by size, left first. */
  private static List<List<byte[]>> expectedPeaks() {
    List<List<String>> nh = Rfc9162Test.NODE_HASHES;
    return List.of(
        List.of(),
        List.of(hex(nh.get(0).get(0))),
        List.of(hex(nh.get(1).get(0))),
        List.of(hex(nh.get(1).get(0)), hex(nh.get(0).get(2))),
        List.of(hex(nh.get(2).get(0))),
        List.of(hex(nh.get(2).get(0)), hex(nh.get(0).get(4))),
        List.of(hex(nh.get(2).get(0)), hex(nh.get(1).get(2))),
        List.of(hex(nh.get(2).get(0)), hex(nh.get(1).get(2)), hex(nh.get(0).get(6))),
        List.of(hex(nh.get(3).get(0))));
  }

  @Test
  void empty_hasSizeZeroEmptyRootAndNoPeaks() {
    CompactRange range = new CompactRange();
    assertThat(range.size()).isZero();
    assertThat(range.root()).isEqualTo(Rfc9162.emptyRoot());
    assertThat(range.peaks()).isEmpty();
  }

  @Test
  void peaks_ofTestTreePrefixes_matchReferenceCompactTrees() {
    List<byte[]> leaves = Rfc9162Test.testTreeLeafHashes();
    List<List<byte[]>> expected = expectedPeaks();
    CompactRange range = new CompactRange();
    for (int size = 0; size <= 8; size++) {
      assertThat(range.size()).isEqualTo(size);
      assertThat(range.peaks()).as("size %d", size).containsExactlyElementsOf(expected.get(size));
      if (size < 8) {
        range.append(leaves.get(size));
      }
    }
  }

  @Test
  void appendWithSink_reportsEveryPerfectSubtreeOnceWithItsReferenceRoot() {
    int n = 1_100; // past 2^10, with ragged right edges at every level
    List<byte[]> leaves = TestTrees.leafHashes(11, n);
    CompactRange range = new CompactRange();
    java.util.Map<String, byte[]> reported = new java.util.LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      int leaf = i;
      range.append(leaves.get(i), (level, index, hash) -> {
        assertThat((index + 1) << level).as("a node is reported by the append that completes it").isEqualTo(leaf + 1L);
        assertThat(reported.put(level + "/" + index, hash.clone())).as("reported twice: %d/%d", level, index).isNull();
      });
    }
    int expected = 0;
    for (int level = 1; (1 << level) <= n; level++) {
      for (int index = 0; (index + 1) << level <= n; index++) {
        expected++;
        assertThat(reported.get(level + "/" + index)).as("node %d/%d", level, index)
            .isEqualTo(TestTrees.referenceRoot(leaves.subList(index << level, (index + 1) << level)));
      }
    }
    assertThat(reported).hasSize(expected);
    assertThat(range.root()).isEqualTo(TestTrees.referenceRoot(leaves));
  }

  @Test
  void root_isRepeatableAndDoesNotDisturbLaterAppends() {
    List<byte[]> leaves = TestTrees.leafHashes(3, 100);
    CompactRange range = new CompactRange();
    for (int i = 0; i < leaves.size(); i++) {
      range.append(leaves.get(i));
      byte[] first = range.root();
      first[0] ^= 1; // the caller owns the returned array
      assertThat(range.root()).isEqualTo(TestTrees.referenceRoot(leaves.subList(0, i + 1)));
    }
  }

  @Test
  void append_copiesTheLeafHash() {
    byte[] leaf = Rfc9162.hashLeaf(new byte[] {1});
    byte[] expected = leaf.clone();
    CompactRange range = new CompactRange();
    range.append(leaf);
    leaf[0] ^= 1;
    assertThat(range.root()).isEqualTo(expected);
  }

  @Test
  void append_whenLeafHashNot32Bytes_throws() {
    CompactRange range = new CompactRange();
    assertThatThrownBy(() -> range.append(new byte[31]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("31");
    assertThat(range.size()).isZero();
  }
}
