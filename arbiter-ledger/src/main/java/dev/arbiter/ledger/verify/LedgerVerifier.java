package dev.arbiter.ledger.verify;

import static dev.arbiter.ledger.verify.IntegrityFailure.atCheckpoint;
import static dev.arbiter.ledger.verify.IntegrityFailure.atEntry;

import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.ledger.EntryHash;
import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.checkpoint.CheckpointVerificationException;
import dev.arbiter.ledger.checkpoint.CheckpointVerifier;
import dev.arbiter.ledger.event.EnvelopeHeader;
import dev.arbiter.ledger.merkle.CompactRange;
import dev.arbiter.ledger.merkle.Rfc9162;
import dev.arbiter.ledger.store.Cursor;
import dev.arbiter.ledger.store.LedgerIdentity;
import dev.arbiter.ledger.store.LedgerStore;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.StoredEntry;
import dev.arbiter.ledger.verify.IntegrityFailure.Kind;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * Full, streaming verification of a stored ledger with public keys only. In one pass over the
 * entries in leaf order, in constant memory:
 *
 * <ol>
 *   <li>each envelope is parsed and must sit at its own {@code leaf_index}, in its stream at the next
 *       {@code stream_seq}, with index columns that agree with it;
 *   <li>its entry hash is recomputed from the previous entry of its stream (genesis: 32 zero bytes)
 *       and must equal the stored one;
 *   <li>the Merkle root is maintained incrementally ({@link CompactRange}); at every stored
 *       checkpoint's size it must equal the signed root, and each checkpoint's signature must verify
 *       with the pinned ledger key, belong to this ledger, and not go back in time (consistency of
 *       successive checkpoints follows: they are roots of prefixes of the same verified sequence);
 *   <li>no entry may lie beyond the last checkpoint, and no checkpoint beyond the last entry;
 *   <li>if a trusted checkpoint (kept outside the database) is given, the ledger must contain it:
 *       this is what catches truncation of the tail together with its checkpoints;
 *   <li>every column holds the storage type the schema declares (a BLOB {@code stream_id} hashes
 *       right but typed lookups miss it), and the file passes the store's own check ({@link
 *       LedgerStore#checkStorage}: integrity, exact schema), run beside the scan and judged after it.
 * </ol>
 *
 * The first failure stops verification and is reported with the exact entry or checkpoint; a
 * storage or schema failure is reported only when every entry is right.
 */
public final class LedgerVerifier {
  private static final int STREAM_CACHE = 200_000;


  private final LedgerStore store;
  private final VerifyingKey trustedLedgerKey;
  private final CheckpointVerifier checkpointVerifier;
  private final Checkpoint trustedCheckpoint;
  private final LongConsumer progress;

  private record Head(long seq, byte[] hash) {}


  /**
   * @param trustedCheckpoint a checkpoint obtained outside the database (may be null)
   * @param progress called now and then with the number of entries verified so far
   */
  public LedgerVerifier(LedgerStore store, VerifyingKey trustedLedgerKey, Checkpoint trustedCheckpoint, LongConsumer progress) {
    this.store = store;
    this.trustedLedgerKey = trustedLedgerKey;
    this.checkpointVerifier = new CheckpointVerifier(trustedLedgerKey);
    this.trustedCheckpoint = trustedCheckpoint;
    this.progress = progress == null ? n -> {} : progress;
  }

  public VerificationReport verify() throws LedgerVerificationException, LedgerStoreException {
    long started = System.nanoTime();
    Optional<LedgerIdentity> identity = store.identity();
    if (identity.isEmpty()) {
      throw new LedgerVerificationException(atCheckpoint(Kind.CHECKPOINT_FOREIGN, -1, "a ledger identity", "none",
          "the database has no ledger identity (ledger_meta is empty)"), 0);
    }
    String ledgerId = identity.get().ledgerId();
    if (!identity.get().ledgerKeyId().equals(trustedLedgerKey.keyId())) {
      throw new LedgerVerificationException(atCheckpoint(Kind.WRONG_KEY, -1, trustedLedgerKey.keyId().value(),
          identity.get().ledgerKeyId().value(),
          "this ledger is signed by key " + identity.get().ledgerKeyId().value() + ", not by the given key "
              + trustedLedgerKey.keyId().value()), 0);
    }
    if (trustedCheckpoint != null) {
      checkTrustedCheckpointItself(ledgerId);
    }

    Map<String, Head> heads = new LinkedHashMap<>(4096, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Head> eldest) {
        return size() > STREAM_CACHE;
      }
    };
    CompactRange range = new CompactRange();
    StorageChecking storage = StorageChecking.start(store);
    CheckpointChecker checker = new CheckpointChecker(checkpointVerifier, ledgerId);
    VerificationReport scanned;
    try (Cursor<Checkpoint> cps = store.scanCheckpoints();
        EntryReader reader = new EntryReader(store, (e, n) -> resolve(e, n, heads));
        NodeCheck nodes = new NodeCheck(store)) {
      scanned = scan(cps, reader, checker, nodes, range, ledgerId, started);
    } catch (LedgerStoreException unreadable) {
      throw storage.orDamage(unreadable);
    } finally {
      checker.abandon();
    }
    List<String> warnings = storage.judge(scanned.entries());
    return new VerificationReport(scanned.ledgerId(), scanned.entries(), scanned.checkpoints(), scanned.root(),
        scanned.trustedCheckpointSize(), (System.nanoTime() - started) / 1e9, warnings);
  }

  private VerificationReport scan(Cursor<Checkpoint> cps, EntryReader reader, CheckpointChecker checker,
      NodeCheck nodes, CompactRange range, String ledgerId, long started)
      throws LedgerVerificationException, LedgerStoreException {
    boolean trustedMatched = false;
    EntryHashing hashing = new EntryHashing();
    long n = 0;
    Checkpoint cp = cps.next();
    try {
      while (true) {
        // Checkpoints at the current size (the empty tree first, then after each entry).
        while (cp != null && cp.treeSize() == n) {
          checker.submit(cp, HashValue.of(range.root()), n);
          cp = cps.next();
        }
        if (cp != null && cp.treeSize() < n) {
          throw new LedgerVerificationException(atCheckpoint(Kind.CHECKPOINT_ORDER, cp.treeSize(), null, null,
              "checkpoint at size " + cp.treeSize() + " is out of order"), n);
        }
        if (trustedCheckpoint != null && trustedCheckpoint.treeSize() == n) {
          HashValue root = HashValue.of(range.root());
          if (!root.equals(trustedCheckpoint.rootHash())) {
            throw new LedgerVerificationException(atCheckpoint(Kind.TRUSTED_CHECKPOINT_MISMATCH, n,
                trustedCheckpoint.rootHash().hex(), root.hex(),
                "the first " + n + " entries hash to root " + root.hex() + ", but the trusted checkpoint says "
                    + trustedCheckpoint.rootHash().hex() + ": entries before leaf " + n + " were rewritten"), n);
          }
          trustedMatched = true;
        }
        if (!reader.advance()) {
          break;
        }
        nodes.append(range, hashing.leafOf(reader.entry(), n, reader.prev()), n);
        n++;
        if ((n & 0xffff) == 0) {
          progress.accept(n);
          checker.throwIfFailed();
        }
      }
    } catch (LedgerVerificationException entryFailure) {
      // A checkpoint before this entry may have failed too: the earlier failure is the one to name.
      checker.finish();
      throw entryFailure;
    } catch (LedgerStoreException unreadable) {
      // The same when a later row cannot even be read (checkpoint rows are read one ahead).
      checker.finish();
      throw unreadable;
    }
    checker.finish();
    nodes.finish(n);
    if (cp != null) {
      try {
        checkpointVerifier.verify(cp);
      } catch (CheckpointVerificationException ex) {
        throw new LedgerVerificationException(atCheckpoint(Kind.CHECKPOINT_SIGNATURE, cp.treeSize(), null, null,
            "a checkpoint row beyond the last entry was forged: " + ex.getMessage()), n);
      }
      throw new LedgerVerificationException(IntegrityFailure.missingFrom(Kind.CHECKPOINT_BEYOND_END, cp.treeSize(), n,
          cp.treeSize() + " entries", n + " entries",
          "a signed checkpoint covers " + cp.treeSize() + " entries but the ledger holds only " + n
              + ": entries from leaf " + n + " on were deleted"), n);
    }
    if (trustedCheckpoint != null && !trustedMatched) {
      throw new LedgerVerificationException(IntegrityFailure.missingFrom(Kind.TRUNCATED, trustedCheckpoint.treeSize(), n,
          trustedCheckpoint.treeSize() + " entries", n + " entries",
          "the ledger was truncated: the trusted checkpoint covers " + trustedCheckpoint.treeSize()
              + " entries but the database holds only " + n + " (leaves " + n + " to "
              + (trustedCheckpoint.treeSize() - 1) + " are gone)"), n);
    }
    long covered = checker.lastSize();
    if (checker.count() == 0) {
      // Every ledger has a checkpoint from its creation (of the empty tree): none at all means they
      // were deleted, whatever the entries ("entries from leaf 0 to -1" said nothing useful).
      throw new LedgerVerificationException(atEntry(Kind.ENTRIES_NOT_CHECKPOINTED, n > 0 ? 0 : -1, null, -1,
          "a signed checkpoint, at least the empty tree's from the ledger's creation", "no checkpoint",
          "the ledger has no signed checkpoint at all (every ledger has one from its creation): its checkpoints were"
              + " deleted" + (n > 0 ? ", and none of its " + n + " entries is covered by a signature" : "")), n);
    }
    if (covered != n) {
      long from = Math.max(covered, 0);
      // Name the first uncovered entry's stream too (it was read and chained; only no signature covers it).
      java.util.Optional<StoredEntry> first = store.entry(from);
      throw new LedgerVerificationException(atEntry(Kind.ENTRIES_NOT_CHECKPOINTED, from,
          first.map(StoredEntry::streamId).orElse(null), first.map(StoredEntry::streamSeq).orElse(-1L),
          "every entry under a signed checkpoint", (n - from) + (n - from == 1 ? " entry" : " entries") + " after the last checkpoint",
          (n - from == 1 ? "the entry at leaf " + from + " is" : "entries from leaf " + from + " to " + (n - 1) + " are")
              + " not covered by any signed checkpoint: added outside the ledger"), n);
    }
    progress.accept(n);
    return new VerificationReport(ledgerId, n, checker.count(), HashValue.of(range.root()),
        trustedCheckpoint == null ? -1 : trustedCheckpoint.treeSize(), (System.nanoTime() - started) / 1e9, List.of());
  }

  private void checkTrustedCheckpointItself(String ledgerId) throws LedgerVerificationException {
    try {
      checkpointVerifier.verify(trustedCheckpoint);
    } catch (CheckpointVerificationException ex) {
      throw new LedgerVerificationException(atCheckpoint(Kind.CHECKPOINT_SIGNATURE, trustedCheckpoint.treeSize(), null, null,
          "the trusted checkpoint does not verify: " + ex.getMessage()), 0);
    }
    if (!trustedCheckpoint.ledgerId().equals(ledgerId)) {
      throw new LedgerVerificationException(atCheckpoint(Kind.CHECKPOINT_FOREIGN, trustedCheckpoint.treeSize(),
          trustedCheckpoint.ledgerId(), ledgerId,
          "the trusted checkpoint is from ledger " + trustedCheckpoint.ledgerId() + ", but this database is ledger "
              + ledgerId), 0);
    }
  }

  /**
   * The sequential checks of entry {@code n} (run on the reader thread, in leaf order): position,
   * index columns against the envelope, stream continuity; returns the previous entry hash of its
   * stream. The stream head advances to the <em>stored</em> hash: if it differs from the recomputed
   * one, the hashing thread fails at this entry before any later entry is judged.
   */
  private byte[] resolve(StoredEntry e, long n, Map<String, Head> heads)
      throws LedgerVerificationException, LedgerStoreException {
    if (FastEnvelopeCheck.matches(e, n)) {
      return advance(e, n, e.streamId(), e.streamSeq(), e.eventType(), heads);
    }
    // Something is off: parse the envelope fully to say exactly what.
    if (e.streamId() == null) {
      throw new LedgerVerificationException(atEntry(Kind.ENTRY_MALFORMED, n, null, -1, null, null,
          "entry after leaf " + (n - 1) + " has missing or malformed index columns (leaf_index, stream_id, stream_seq, event_type)"), n);
    }
    if (e.envelope() == null) {
      throw new LedgerVerificationException(atEntry(Kind.ENTRY_MALFORMED, n, e.streamId(), e.streamSeq(), null, null,
          "entry at leaf " + n + " has no envelope"), n);
    }
    if (e.leafIndex() < n) {
      throw new LedgerVerificationException(atEntry(Kind.ENTRY_OUT_OF_PLACE, n, e.streamId(), e.streamSeq(),
          "leaf " + n, "leaf_index " + e.leafIndex(),
          "a row with leaf_index " + e.leafIndex() + " (stream " + e.streamId() + ") was inserted outside the log, before leaf " + n), n);
    }
    if (e.leafIndex() != n) {
      throw new LedgerVerificationException(atEntry(Kind.ENTRY_MISSING, n, null, -1, "leaf " + n, "leaf " + e.leafIndex(),
          "entry at leaf " + n + " is missing (the next stored entry is leaf " + e.leafIndex() + "): it was deleted"), n);
    }
    EnvelopeHeader h;
    try {
      h = EnvelopeHeader.read(e.envelope());
    } catch (RuntimeException ex) {
      throw new LedgerVerificationException(atEntry(Kind.ENTRY_MALFORMED, n, e.streamId(), e.streamSeq(), null, null,
          "entry at leaf " + n + " (stream " + e.streamId() + ", seq " + e.streamSeq() + "): " + ex.getMessage()), n);
    }
    if (h.leafIndex() != n) {
      throw new LedgerVerificationException(atEntry(Kind.ENTRY_OUT_OF_PLACE, n, h.streamId(), h.streamSeq(),
          "leaf_index " + n, "leaf_index " + h.leafIndex(),
          "entry at leaf " + n + " holds the envelope of leaf " + h.leafIndex() + " (stream " + h.streamId() + ", seq "
              + h.streamSeq() + "): entries were moved or swapped"), n);
    }
    if (!h.streamId().equals(e.streamId()) || h.streamSeq() != e.streamSeq() || !h.eventType().equals(e.eventType())) {
      throw new LedgerVerificationException(atEntry(Kind.INDEX_MISMATCH, n, h.streamId(), h.streamSeq(),
          h.streamId() + "#" + h.streamSeq() + " " + h.eventType(), e.streamId() + "#" + e.streamSeq() + " " + e.eventType(),
          "entry at leaf " + n + ": index columns (stream, seq, type) disagree with its envelope"), n);
    }
    return advance(e, n, h.streamId(), h.streamSeq(), h.eventType(), heads);
  }

  private byte[] advance(StoredEntry e, long n, String streamId, long streamSeq, String eventType, Map<String, Head> heads)
      throws LedgerVerificationException, LedgerStoreException {
    byte[] prev = previousHash(streamId, streamSeq, n, heads);
    if (e.entryHash() == null || e.entryHash().length != HashValue.SIZE) {
      throw new LedgerVerificationException(atEntry(Kind.ENTRY_HASH_MISMATCH, n, streamId, streamSeq, "a 32-byte hash",
          "malformed", "entry at leaf " + n + " (stream " + streamId + ", seq " + streamSeq + ", " + eventType
              + ") has a malformed entry hash"), n);
    }
    heads.put(streamId, new Head(streamSeq, e.entryHash()));
    return prev;
  }

  /** The hashing half of the scan, on the scanning thread: its own SHA-256 and buffers, nothing allocated per entry. */
  private static final class EntryHashing {
    private final MessageDigest sha256 = Rfc9162.newSha256();
    private final byte[] computed = new byte[HashValue.SIZE];
    private final byte[] leaf = new byte[HashValue.SIZE];

    /**
     * Recomputes entry {@code n}'s hash from its stream's previous entry hash and checks it against
     * the stored one; returns its Merkle leaf hash (a buffer the next call reuses).
     */
    byte[] leafOf(StoredEntry e, long n, byte[] prev) throws LedgerVerificationException {
      EntryHash.compute(sha256, prev, e.envelope(), computed);
      if (!MessageDigest.isEqual(computed, e.entryHash())) {
        // The index columns were checked against the envelope's header already: name the entry by them.
        throw new LedgerVerificationException(atEntry(Kind.ENTRY_HASH_MISMATCH, n, e.streamId(), e.streamSeq(),
            HashValue.of(computed).hex(), HashValue.of(e.entryHash()).hex(),
            "entry at leaf " + n + " (stream " + e.streamId() + ", seq " + e.streamSeq() + ", " + e.eventType()
                + ") was altered: its envelope and chain hash to " + HashValue.of(computed).hex()
                + " but the recorded entry hash is " + HashValue.of(e.entryHash()).hex()), n);
      }
      if (e.mistypedColumns() != null) {
        // Checked after the hash, so that an edit which also changed a type (replace() yields TEXT)
        // is still named for what it did to the content.
        throw new LedgerVerificationException(atEntry(Kind.COLUMN_TYPE, n, e.streamId(), e.streamSeq(),
            e.mistypedColumns().declaredTypes(), e.mistypedColumns().foundTypes(),
            "entry at leaf " + n + " (stream " + e.streamId() + ", seq " + e.streamSeq() + ", " + e.eventType() + "): "
                + e.mistypedColumns().describe() + ": its bytes are intact, but " + e.mistypedColumns().consequence()
                + "; the row was rewritten outside the ledger"), n);
      }
      Rfc9162.hashLeaf(sha256, computed, leaf);
      return leaf;
    }
  }

  private byte[] previousHash(String streamId, long streamSeq, long n, Map<String, Head> heads)
      throws LedgerVerificationException, LedgerStoreException {
    Head head = heads.get(streamId);
    if (head == null && streamSeq > 0) {
      // Not cached (evicted, or never seen): its previous entry must be an earlier, already verified leaf.
      Optional<StoredEntry> prev = store.streamEntry(streamId, streamSeq - 1);
      if (prev.isPresent() && prev.get().leafIndex() < n) {
        head = new Head(streamSeq - 1, prev.get().entryHash());
      }
    }
    long expectedSeq = head == null ? 0 : head.seq() + 1;
    if (streamSeq != expectedSeq) {
      throw new LedgerVerificationException(atEntry(Kind.STREAM_BROKEN, n, streamId, streamSeq,
          "stream_seq " + expectedSeq, "stream_seq " + streamSeq,
          "entry at leaf " + n + " (stream " + streamId + ") has stream_seq " + streamSeq + " but the stream's previous entry "
              + (head == null ? "does not exist" : "has seq " + head.seq()) + ": an entry of this stream was deleted or moved"), n);
    }
    return head == null ? EntryHash.genesis() : head.hash();
  }
}
