package dev.arbiter.ledger;

import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.id.Ulid;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.checkpoint.CheckpointSigner;
import dev.arbiter.ledger.checkpoint.CheckpointVerifier;
import dev.arbiter.ledger.event.EventDraft;
import dev.arbiter.ledger.internal.GroupCommitWriter;
import dev.arbiter.ledger.internal.VerifiedTree;
import dev.arbiter.ledger.merkle.MerkleProofs;
import dev.arbiter.ledger.store.LedgerIdentity;
import dev.arbiter.ledger.store.LedgerStore;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.tree.TiledTree;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The ledger's write side: it sequences appends (leaf index, stream sequence, event id, time),
 * hashes them into the per-stream chains and the global Merkle tree, signs a checkpoint per commit
 * batch and hands the batch to the {@link LedgerStore}. Appends from many threads share one
 * transaction and one fsync (group commit); each caller gets its receipt only after the batch is
 * durable.
 *
 * <p>On open, and again whenever the writer reloads after a failed commit, the ledger rebuilds the
 * right edge of the Merkle tree from what is stored and checks its root and signature against the
 * latest checkpoint before it extends anything (it never signs over a tree it did not check). This
 * is not a full verification: stream heads read from the store are trusted until `ledger verify`.
 */
public final class Ledger implements AutoCloseable {
  private final LedgerStore store;
  private final GroupCommitWriter writer;

  private Ledger(LedgerStore store, GroupCommitWriter writer, dev.arbiter.core.crypto.VerifyingKey verifyingKey) {
    this.store = store;
    this.writer = writer;
    this.verifyingKey = verifyingKey;
  }

  private final dev.arbiter.core.crypto.VerifyingKey verifyingKey;

  /** The public half of the key that signs this ledger's checkpoints: what an auditor verifies it with. */
  public dev.arbiter.core.crypto.VerifyingKey verifyingKey() {
    return verifyingKey;
  }

  /**
   * Opens the ledger in {@code store}, initialising an empty store with a new ledger id and an
   * empty-tree checkpoint.
   *
   * @throws LedgerIntegrityException when the stored tree does not match its latest checkpoint, or
   *     the ledger belongs to another key
   * @throws LedgerStoreException when the store cannot be read
   */
  public static Ledger open(LedgerStore store, SigningKey ledgerKey, Clock clock, LedgerOptions options)
      throws LedgerStoreException, LedgerIntegrityException {
    CheckpointSigner signer = new CheckpointSigner(ledgerKey);
    Ulid ulid = Ulid.create(clock, options.random());
    Optional<LedgerIdentity> existing = store.identity();
    LedgerIdentity identity;
    if (existing.isEmpty()) {
      if (store.size() != 0) {
        throw new LedgerIntegrityException("the store holds entries but no ledger identity");
      }
      identity = new LedgerIdentity("ldg_" + ulid.next(), ledgerKey.keyId());
      Checkpoint empty = signer.sign(identity.ledgerId(), 0, HashValue.of(dev.arbiter.ledger.merkle.Rfc9162.emptyRoot()),
          Timestamps.format(clock.instant()));
      store.initialize(identity, empty);
    } else {
      identity = existing.get();
      if (!identity.ledgerKeyId().equals(ledgerKey.keyId())) {
        throw new LedgerIntegrityException("this ledger's checkpoints are signed by key " + identity.ledgerKeyId().value()
            + ", not by the given key " + ledgerKey.keyId().value());
      }
    }
    TiledTree tree = VerifiedTree.load(store, new CheckpointVerifier(ledgerKey.verifyingKey()), identity);
    GroupCommitWriter writer = new GroupCommitWriter(store, tree, signer, identity, clock, ulid, options);
    return new Ledger(store, writer, ledgerKey.verifyingKey());
  }

  /** Appends one event; completes with its receipt once durable, or exceptionally with {@link LedgerUnavailableException}. */
  public CompletableFuture<AppendedEvent> append(EventDraft draft) {
    return writer.submit(List.of(draft)).thenApply(list -> list.get(0));
  }

  /**
   * Appends events atomically (all in the same commit, consecutive leaves); completes with one result
   * per draft, in order, once durable.
   */
  public CompletableFuture<List<AppendedEvent>> appendAll(List<EventDraft> drafts) {
    return writer.submit(drafts);
  }

  /**
   * Appends {@code drafts} atomically and, in the same transaction, the events {@code then} builds
   * from their receipts (for an event that must carry the receipt of an earlier one, such as a grant
   * and its {@code grant.issued}). {@code then} runs on the ledger's sequencer thread: it must be
   * quick and must not wait for the ledger. If it throws or returns nothing, only {@code drafts} are
   * appended. Completes once durable with the results of {@code drafts}, then those of the follow-up.
   * The follow-up comes after every first part sequenced with it: other appends to the same stream
   * in the same commit may come between {@code drafts} and their follow-up.
   */
  public CompletableFuture<List<AppendedEvent>> appendAll(List<EventDraft> drafts,
      java.util.function.Function<List<AppendedEvent>, List<EventDraft>> then) {
    return writer.submit(drafts, java.util.Objects.requireNonNull(then, "then"));
  }

  /** The latest checkpoint this ledger signed and committed. */
  public Checkpoint latestCheckpoint() {
    return writer.latestCheckpoint();
  }

  /**
   * The latest checkpoint once it covers {@code leafIndex}, waiting at most {@code maxWait} for the
   * commit that wrote the leaf to be synced and signed; empty when it still does not cover it (a slow
   * disk, or a row this process never wrote).
   */
  public java.util.Optional<Checkpoint> checkpointCovering(long leafIndex, java.time.Duration maxWait) {
    long deadline = System.nanoTime() + maxWait.toNanos();
    while (true) {
      Checkpoint cp = writer.latestCheckpoint();
      if (leafIndex < cp.treeSize()) {
        return java.util.Optional.of(cp);
      }
      if (System.nanoTime() >= deadline) {
        return java.util.Optional.empty();
      }
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return java.util.Optional.empty();
      }
    }
  }

  public LedgerIdentity identity() {
    return writer.identity();
  }

  /**
   * Inclusion proof for {@code leafIndex} in the tree of {@code treeSize}, which must not exceed the
   * latest checkpoint's: a proof is only worth something against a signed, committed root (and the
   * tree reads tiles of committed leaves from the store).
   */
  public List<HashValue> inclusionProof(long leafIndex, long treeSize) throws LedgerStoreException {
    requireCommitted(treeSize);
    return writer.withTree(tree -> MerkleProofs.inclusion(tree, leafIndex, treeSize));
  }

  /** Consistency proof between two tree sizes, neither beyond the latest checkpoint's. */
  public List<HashValue> consistencyProof(long size1, long size2) throws LedgerStoreException {
    requireCommitted(size2);
    return writer.withTree(tree -> MerkleProofs.consistency(tree, size1, size2));
  }

  private void requireCommitted(long treeSize) {
    long committed = writer.latestCheckpoint().treeSize();
    if (treeSize > committed) {
      throw new IllegalArgumentException("tree size " + treeSize + " is beyond the latest checkpoint (" + committed
          + " entries): proofs are against signed, committed checkpoints");
    }
  }

  public LedgerStore store() {
    return store;
  }

  /** Stops accepting appends, commits what is queued, and closes the store. */
  @Override
  public void close() {
    writer.close();
    store.close();
  }
}
