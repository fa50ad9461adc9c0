package dev.arbiter.ledger.verify;

import static dev.arbiter.ledger.verify.IntegrityFailure.atEntry;

import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.merkle.CompactRange;
import dev.arbiter.ledger.store.Cursor;
import dev.arbiter.ledger.store.LedgerStore;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.StoredNode;
import dev.arbiter.ledger.tree.TiledTree;
import dev.arbiter.ledger.verify.IntegrityFailure.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks the stored Merkle nodes ({@code merkle_nodes}: one level-8b node per complete tile of 256)
 * against the nodes recomputed from the entries, as the scan goes: a wrong node would make every
 * proof served for its leaves wrong, and an extra one would jam the writer. Constant memory: one
 * 256-wide accumulator and one cursor per band.
 */
final class NodeCheck implements AutoCloseable {
  private static final int WIDTH = 1 << TiledTree.TILE_HEIGHT;

  private final LedgerStore store;
  private final List<CompactRange> bands = new ArrayList<>();
  private final List<Cursor<StoredNode>> cursors = new ArrayList<>();
  private final List<Long> counts = new ArrayList<>();

  NodeCheck(LedgerStore store) {
    this.store = store;
  }

  /** Feeds the leaf hash of entry {@code n}; checks every node that leaf completes. */
  void accept(byte[] leafHash, long n) throws LedgerVerificationException, LedgerStoreException {
    byte[] hash = leafHash;
    for (int band = 0; ; band++) {
      if (band == bands.size()) {
        bands.add(new CompactRange());
        counts.add(0L);
      }
      CompactRange range = bands.get(band);
      range.append(hash);
      if (range.size() < WIDTH) {
        return;
      }
      byte[] node = range.root();
      bands.set(band, new CompactRange());
      int level = (band + 1) * TiledTree.TILE_HEIGHT;
      long index = counts.get(band);
      counts.set(band, index + 1);
      compare(level, index, node, n);
      hash = node;
    }
  }

  private void compare(int level, long index, byte[] computed, long n) throws LedgerVerificationException, LedgerStoreException {
    int band = level / TiledTree.TILE_HEIGHT - 1;
    while (cursors.size() <= band) {
      cursors.add(store.scanNodes((cursors.size() + 1) * TiledTree.TILE_HEIGHT));
    }
    StoredNode stored = cursors.get(band).next();
    long firstLeaf = index << level;
    String where = "stored Merkle node (level " + level + ", index " + index + ", leaves " + firstLeaf + " to "
        + (firstLeaf + (1L << level) - 1) + ")";
    if (stored == null || stored.index() != index) {
      throw new LedgerVerificationException(atEntry(Kind.MERKLE_NODE_MISMATCH, n, null, -1, "node " + index,
          stored == null ? "none" : "node " + stored.index(),
          where + " is missing: proofs for those leaves cannot be served"), n);
    }
    if (stored.hash() == null || !HashValue.of(computed).matches(stored.hash())) {
      throw new LedgerVerificationException(atEntry(Kind.MERKLE_NODE_MISMATCH, n, null, -1, HashValue.of(computed).hex(),
          stored.hash() == null || stored.hash().length != 32 ? "malformed" : HashValue.of(stored.hash()).hex(),
          where + " does not match the entries: proofs served for those leaves would be wrong"), n);
    }
  }

  /** At the end of the scan: no stored node beyond the ones the entries complete. */
  void finish(long n) throws LedgerVerificationException, LedgerStoreException {
    long expected = 0;
    for (long c : counts) {
      expected += c;
    }
    long stored = store.nodeCount();
    if (stored != expected) {
      throw new LedgerVerificationException(atEntry(Kind.MERKLE_NODE_MISMATCH, n, null, -1, expected + " node rows",
          stored + " node rows",
          "merkle_nodes holds " + stored + " rows but the " + n + " entries complete " + expected
              + ": rows were inserted or deleted"), n);
    }
  }

  @Override
  public void close() {
    cursors.forEach(Cursor::close);
  }
}
