package dev.arbiter.ledger.store;

import dev.arbiter.ledger.checkpoint.Checkpoint;
import java.util.List;
import java.util.Optional;

/**
 * Storage SPI for the ledger. A store persists what the sequencer ({@link dev.arbiter.ledger.Ledger})
 * computed; it never assigns indices, hashes or signatures itself. Every implementation must:
 *
 * <ul>
 *   <li>make {@link #commit} atomic, and everything committed durable once {@link #sync} returns
 *       (fsync'd: the writer acknowledges nothing before that);
 *   <li>refuse UPDATE and DELETE of committed rows at the database level;
 *   <li>return reads in leaf order.
 * </ul>
 *
 * One contract test suite runs against every implementation.
 */
public interface LedgerStore extends AutoCloseable {

  /** The identity, or empty for a store that was never initialised. */
  Optional<LedgerIdentity> identity() throws LedgerStoreException;

  /**
   * Creates a new, empty ledger: writes its identity and the signed checkpoint of the empty tree in
   * one transaction (a crash leaves either nothing or both). Fails if an identity is already present.
   */
  void initialize(LedgerIdentity identity, Checkpoint emptyTree) throws LedgerStoreException;

  /** Number of committed entries (one more than the highest leaf index). */
  long size() throws LedgerStoreException;

  Optional<Checkpoint> latestCheckpoint() throws LedgerStoreException;

  /** The stored checkpoint for exactly {@code treeSize}, if any. */
  Optional<Checkpoint> checkpoint(long treeSize) throws LedgerStoreException;

  /**
   * The stored checkpoint with the smallest tree size at or above {@code treeSize}, if any: the
   * signed checkpoint that can anchor a tree size no commit batch ended at (with a consistency proof
   * from that size to it). One indexed look-up, not a scan.
   */
  Optional<Checkpoint> checkpointAtOrAfter(long treeSize) throws LedgerStoreException;

  /**
   * All stored checkpoints in increasing tree size.
   *
   * @throws CorruptLedgerException from {@code next()} for a row that is malformed or stored with
   *     other types than the schema declares
   */
  Cursor<Checkpoint> scanCheckpoints() throws LedgerStoreException;

  /**
   * Entries from {@code fromLeaf} on, in leaf order ({@code Long.MIN_VALUE}: every row, whatever its
   * index). Each says which of its columns hold another storage type than declared ({@link
   * StoredEntry#mistypedColumns}); verification needs that, since typed lookups miss such a row.
   */
  Cursor<StoredEntry> scanEntries(long fromLeaf) throws LedgerStoreException;

  /**
   * Stored Merkle nodes of one level, in index order.
   *
   * @throws CorruptLedgerException from {@code next()} for a row stored with other types than the
   *     schema declares (a BLOB {@code idx} reads as the right number but range reads skip it)
   */
  Cursor<StoredNode> scanNodes(int level) throws LedgerStoreException;

  /**
   * Checks the storage as a whole: the storage engine's own consistency check (it may read every
   * page: run it once per verification) and the schema against the ledger's. May run on another
   * thread while this store's cursors are open; a store with nothing of the kind to check returns
   * {@link StorageCheck#NOTHING_FOUND}.
   */
  StorageCheck checkStorage() throws LedgerStoreException;

  /** How many Merkle node rows are stored, at every level. */
  long nodeCount() throws LedgerStoreException;

  List<StoredEntry> query(EntryQuery query) throws LedgerStoreException;

  Optional<StoredEntry> entry(long leafIndex) throws LedgerStoreException;

  /** The entry with {@code streamSeq} in {@code streamId}. */
  Optional<StoredEntry> streamEntry(String streamId, long streamSeq) throws LedgerStoreException;

  /** The last event of a stream, or empty for a stream with no events. */
  Optional<StreamHead> streamHead(String streamId) throws LedgerStoreException;

  /** Entry hashes of leaves {@code [from, from + count)}; fewer if the ledger is shorter. */
  List<byte[]> entryHashes(long from, int count) throws LedgerStoreException;

  /** Stored Merkle nodes of {@code level}, indices {@code [from, from + count)}. */
  List<byte[]> nodes(int level, long from, int count) throws LedgerStoreException;

  /** Atomically appends the batch; durable once {@link #sync} returns. */
  default void commit(CommitBatch batch) throws LedgerStoreException {
    commit(List.of(batch));
  }

  /**
   * Atomically appends consecutive batches in one transaction: either all of them are stored or none.
   * What it stored is durable once a {@link #sync} that started after this returned has returned; a
   * crash before that may lose it (a store whose commits are durable on return syncs as a no-op).
   */
  void commit(List<CommitBatch> batches) throws LedgerStoreException;

  /**
   * Makes every commit that returned before this call durable (fsync). May run on another thread
   * while the next {@link #commit} is in progress; that is its point: the disk flush of one group
   * overlaps the writing of the next.
   *
   * @throws LedgerStoreException when the flush failed: what was committed since the last successful
   *     sync may or may not survive a crash, and the caller must not acknowledge it
   */
  void sync() throws LedgerStoreException;

  @Override
  void close();

  /** Held while no other writer may change the store; {@link #close} lets them again. */
  interface WritersHeld extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Keeps other writers out until the result is closed, so that what is read meanwhile is what was
   * checked first (the engine's start: verification, then replay). Readers are not held up. Every
   * store says how it does this (none may silently hold nothing: the start's guarantee rests on it).
   *
   * @throws LedgerStoreException when another writer holds the store too long
   */
  WritersHeld holdOtherWriters() throws LedgerStoreException;
}
