package dev.arbiter.ledger.internal;

import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.LedgerIntegrityException;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.checkpoint.CheckpointVerificationException;
import dev.arbiter.ledger.checkpoint.CheckpointVerifier;
import dev.arbiter.ledger.store.LedgerIdentity;
import dev.arbiter.ledger.store.LedgerStore;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.tree.TiledTree;

/** The one way the writer gets a tree to extend: loaded from the store and checked first. */
public final class VerifiedTree {
  private VerifiedTree() {}

  /** Loads the tree's right edge and checks its root and signature against the latest signed checkpoint. */
  public static TiledTree load(LedgerStore store, CheckpointVerifier verifier, LedgerIdentity identity)
      throws LedgerStoreException, LedgerIntegrityException {
    long size = store.size();
    Checkpoint latest = store.latestCheckpoint()
        .orElseThrow(() -> new LedgerIntegrityException("the ledger has no signed checkpoint"));
    try {
      verifier.verify(latest);
    } catch (CheckpointVerificationException e) {
      throw new LedgerIntegrityException("latest checkpoint does not verify: " + e.getMessage());
    }
    if (!latest.ledgerId().equals(identity.ledgerId())) {
      throw new LedgerIntegrityException("latest checkpoint belongs to ledger " + latest.ledgerId()
          + ", this is " + identity.ledgerId());
    }
    if (latest.treeSize() != size) {
      throw new LedgerIntegrityException("the store holds " + size + " entries but the latest signed checkpoint covers "
          + latest.treeSize());
    }
    TiledTree tree;
    try {
      tree = TiledTree.load(store, size);
    } catch (dev.arbiter.ledger.store.CorruptLedgerException e) {
      throw new LedgerIntegrityException("cannot rebuild the Merkle tree: " + e.getMessage());
    }
    // Any other store failure (a disk error, a busy file) propagates as what it is: an outage, which the
    // engine answers with "retry later", not a verdict that the ledger was tampered with (review).
    HashValue root = HashValue.of(tree.root());
    if (!root.equals(latest.rootHash())) {
      throw new LedgerIntegrityException("the Merkle tree rebuilt from the stored entries and nodes has root " + root.hex()
          + ", but the latest signed checkpoint (size "
          + size + ") says " + latest.rootHash().hex() + "; run `arbiter ledger verify` to find the entry");
    }
    return tree;
  }

}
