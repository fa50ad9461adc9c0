package dev.arbiter.ledger.merkle;

import static dev.arbiter.ledger.merkle.TestTrees.RFC6962_LEAF_INPUTS;
import static dev.arbiter.ledger.merkle.TestTrees.hex;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Known answers from transparency-dev/merkle testonly/constants.go (the rfc6962 test tree). */
class Rfc9162Test {

  /** RootHashes()[1..8]: roots of the first n leaves of the test tree. */
  static final List<String> ROOTS_BY_SIZE =
      List.of(
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
          "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
          "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
          "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
          "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
          "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
          "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");

  /** NodeHashes(): every complete node of the 8-leaf test tree, by level. */
  static final List<List<String>> NODE_HASHES =
      List.of(
          List.of(
              "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
              "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
              "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
              "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
              "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
              "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
              "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
              "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
          List.of(
              "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
              "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
              "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
          List.of(
              "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
              "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
          List.of("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"));

  static List<byte[]> testTreeLeafHashes() {
    return RFC6962_LEAF_INPUTS.stream().map(Rfc9162::hashLeaf).toList();
  }

  @Test
  void emptyRoot_isSha256OfNothing() {
    assertThat(Rfc9162.emptyRoot())
        .isEqualTo(hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  }

  @Test
  void emptyRoot_returnsAFreshCopy() {
    Rfc9162.emptyRoot()[0] ^= 1;
    assertThat(Rfc9162.emptyRoot()[0]).isEqualTo((byte) 0xe3);
  }

  @Test
  void hashLeaf_ofEmptyInput_isSha256OfZeroByte() {
    assertThat(Rfc9162.hashLeaf(new byte[0]))
        .isEqualTo(hex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"));
    assertThat(Rfc9162.HASH_SIZE).isEqualTo(32);
  }

  @Test
  void hashLeaf_ofTestTreeInputs_matchesLevelZeroNodeHashes() {
    assertThat(testTreeLeafHashes())
        .zipSatisfy(NODE_HASHES.get(0), (got, want) -> assertThat(got).isEqualTo(hex(want)));
  }

  @Test
  void hashChildren_isNodePrefixThenLeftThenRight() {
    byte[] l0 = hex(NODE_HASHES.get(0).get(0));
    byte[] l1 = hex(NODE_HASHES.get(0).get(1));
    assertThat(Rfc9162.hashChildren(l0, l1)).isEqualTo(hex(NODE_HASHES.get(1).get(0)));
    assertThat(Rfc9162.hashChildren(l1, l0)).isNotEqualTo(hex(NODE_HASHES.get(1).get(0)));
  }

  @Test
  void root_ofTestTreePrefixes_matchesRootHashesForSizes0To8() {
    List<byte[]> leaves = testTreeLeafHashes();
    InMemoryNodes nodes = new InMemoryNodes();
    CompactRange range = new CompactRange();
    for (int size = 0; size <= 8; size++) {
      byte[] want = hex(ROOTS_BY_SIZE.get(size));
      assertThat(MerkleProofs.root(nodes, size)).as("MerkleProofs size %d", size).isEqualTo(want);
      assertThat(range.root()).as("CompactRange size %d", size).isEqualTo(want);
      assertThat(TestTrees.referenceRoot(leaves.subList(0, size))).isEqualTo(want);
      if (size < 8) {
        nodes.append(leaves.get(size));
        range.append(leaves.get(size));
      }
    }
  }

  @Test
  void inMemoryNodes_ofTestTree_holdsEveryNodeHash() {
    InMemoryNodes nodes = TestTrees.tree(testTreeLeafHashes());
    for (int level = 0; level < NODE_HASHES.size(); level++) {
      List<String> row = NODE_HASHES.get(level);
      for (int i = 0; i < row.size(); i++) {
        assertThat(nodes.completeNode(level, i)).isEqualTo(hex(row.get(i)));
      }
    }
  }

  @Test
  void hashChildren_fromManyThreads_givesTheSameAnswers() throws Exception {
    byte[] l0 = hex(NODE_HASHES.get(0).get(0));
    byte[] l1 = hex(NODE_HASHES.get(0).get(1));
    byte[] want = hex(NODE_HASHES.get(1).get(0));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        results.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 20_000; i++) {
                    if (!java.util.Arrays.equals(Rfc9162.hashChildren(l0, l1), want)) {
                      return false;
                    }
                  }
                  return true;
                }));
      }
      for (Future<Boolean> r : results) {
        assertThat(r.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
