package dev.arbiter.ledger.verify;

import static dev.arbiter.ledger.verify.IntegrityFailure.atEntry;

import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.merkle.CompactRange;
import dev.arbiter.ledger.store.CorruptLedgerException;
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
 * against the nodes the scan's own {@link CompactRange} computes anyway: a wrong node would make
 * every proof served for its leaves wrong, and an extra one would jam the writer. The range hands
 * over each node it completes ({@link CompactRange.NodeSink}), so nothing is hashed twice. Constant
 * memory: one cursor per band.
 */
final class NodeCheck implements AutoCloseable {
  private record Node(int level, long index, byte[] hash) {}

  private final LedgerStore store;
  private final List<Cursor<StoredNode>> cursors = new ArrayList<>();
  /** Tile nodes completed by the current append (at most one per band), checked once it returns. */
  private final List<Node> completed = new ArrayList<>();
  private final CompactRange.NodeSink sink = (level, index, hash) -> {
    if (level % TiledTree.TILE_HEIGHT == 0) {
      completed.add(new Node(level, index, hash.clone()));
    }
  };

  NodeCheck(LedgerStore store) {
    this.store = store;
  }

  /** Appends the leaf hash of entry {@code n} to {@code range}, checking every stored node it completes. */
  void append(CompactRange range, byte[] leafHash, long n) throws LedgerVerificationException, LedgerStoreException {
    range.append(leafHash, sink);
    if (!completed.isEmpty()) {
      try {
        for (Node node : completed) {
          compare(node.level(), node.index(), node.hash(), n);
        }
      } finally {
        completed.clear();
      }
    }
  }

  private void compare(int level, long index, byte[] computed, long n) throws LedgerVerificationException, LedgerStoreException {
    int band = level / TiledTree.TILE_HEIGHT - 1;
    while (cursors.size() <= band) {
      cursors.add(store.scanNodes((cursors.size() + 1) * TiledTree.TILE_HEIGHT));
    }
    long firstLeaf = index << level;
    String where = "stored Merkle node (level " + level + ", index " + index + ", leaves " + firstLeaf + " to "
        + (firstLeaf + (1L << level) - 1) + ")";
    StoredNode stored;
    try {
      stored = cursors.get(band).next();
    } catch (CorruptLedgerException e) {
      // A row stored with other types (a BLOB idx): it reads as the right node, but the tile loader's
      // typed range skips it, so the writer cannot load the tree and proofs of these leaves fail.
      throw new LedgerVerificationException(atEntry(Kind.MERKLE_NODE_MISMATCH, n, null, -1, "node " + index + " stored as declared",
          "malformed", where + " cannot be read back by index: " + e.getMessage()), n);
    }
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
    for (int level = TiledTree.TILE_HEIGHT; level < Long.SIZE; level += TiledTree.TILE_HEIGHT) {
      expected += n >>> level;
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
