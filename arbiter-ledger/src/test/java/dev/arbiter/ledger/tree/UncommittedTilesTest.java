package dev.arbiter.ledger.tree;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.ledger.merkle.MerkleProofs;
import dev.arbiter.ledger.store.LedgerStore;
import dev.arbiter.ledger.store.StoredNode;
import java.lang.reflect.Proxy;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A tile of any band that an append completed stays in the tree until the store holds all of it: a
 * proof against a committed size inside it must never read it from a store that is still one row
 * short (the committer writes batches after the sequencer built them). Band 1 is the case the
 * concurrent test cannot reach (65,536 leaves): here a store that shows only committed rows, and
 * 512 proofs that fill the tile cache in between, as a busy engine's receipts would.
 */
class UncommittedTilesTest {
  private static final int LEAVES = 3 * 65_536;

  /** Entry hashes and node rows as a store would hold them, readable up to {@code committed} leaves. */
  static final class CommittedPrefix {
    final List<byte[]> entries = new ArrayList<>();
    final Map<Long, byte[]> nodes = new HashMap<>(); // (level << 48 | index) -> hash
    final Map<Long, Long> nodeEnds = new HashMap<>(); // the leaf count at which each node was written
    long committed;

    LedgerStore store() {
      return (LedgerStore) Proxy.newProxyInstance(LedgerStore.class.getClassLoader(), new Class<?>[] {LedgerStore.class},
          (proxy, method, args) -> switch (method.getName()) {
            case "entryHashes" -> {
              long from = (Long) args[0];
              int count = (Integer) args[1];
              List<byte[]> out = new ArrayList<>();
              for (long i = from; i < from + count && i < committed; i++) {
                out.add(entries.get((int) i));
              }
              yield out;
            }
            case "nodes" -> {
              int level = (Integer) args[0];
              long from = (Long) args[1];
              int count = (Integer) args[2];
              List<byte[]> out = new ArrayList<>();
              for (long i = from; i < from + count; i++) {
                long k = ((long) level << 48) | i;
                if (nodes.containsKey(k) && nodeEnds.get(k) <= committed) {
                  out.add(nodes.get(k));
                }
              }
              yield out;
            }
            default -> throw new UnsupportedOperationException(method.getName());
          });
    }
  }

  @Test
  void aBand1TileNotYetCommitted_isNeverReadFromTheStore_evenAfterTheCacheTurnedOver() throws Exception {
    CommittedPrefix disk = new CommittedPrefix();
    TiledTree tree = TiledTree.load(disk.store(), 0);
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    for (int i = 0; i < LEAVES; i++) {
      byte[] entry = sha.digest(Integer.toString(i).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      disk.entries.add(entry);
      for (StoredNode n : tree.append(entry)) {
        long k = ((long) n.level() << 48) | n.index();
        disk.nodes.put(k, n.hash());
        disk.nodeEnds.put(k, (long) i + 1);
      }
    }
    // The last 256 leaves (and the band-0 and band-1 nodes they complete) are sequenced, not committed.
    disk.committed = LEAVES - 256;
    tree.releaseCompleted(disk.committed);

    // Receipts against an older checkpoint load 512 other tiles into the cache in between.
    for (int t = 0; t < 512; t++) {
      MerkleProofs.inclusion(tree, (long) t * 256, 131_072);
    }
    List<byte[]> proof = MerkleProofs.inclusion(tree, 5, disk.committed);

    TiledTree fromDisk = TiledTree.load(disk.store(), disk.committed); // what a reader of the store computes
    List<byte[]> expected = MerkleProofs.inclusion(fromDisk, 5, disk.committed);
    assertThat(proof).hasSameSizeAs(expected);
    for (int i = 0; i < proof.size(); i++) {
      assertThat(proof.get(i)).as("node %d of the proof", i).isEqualTo(expected.get(i));
    }
  }
}
