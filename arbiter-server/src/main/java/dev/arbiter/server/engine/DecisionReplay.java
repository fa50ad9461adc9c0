package dev.arbiter.server.engine;

import dev.arbiter.core.decision.DecisionStatus;
import dev.arbiter.core.decision.IllegalTransitionException;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.store.Cursor;
import dev.arbiter.ledger.store.EntryQuery;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.StoredEntry;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Rebuilds decision state from the ledger, the source of truth: the whole log once at startup
 * (streaming), or one decision's stream on demand (a decision evicted from the cache). Only the
 * hashed envelope bytes are read, and they are folded through {@link DecisionProjection}, the same
 * code the live path uses.
 *
 * <p>At startup every stream is folded to its end, so that a trail the fold refuses (an illegal
 * transition, a malformed event: only tampering or a foreign writer puts one there) stops the start,
 * naming its leaf, wherever it lies in the ledger. Only the latest {@code bound} streams keep their
 * full state; the others keep a one-byte {@link StreamSummary} each, which is what the replay's memory
 * grows with (docs/design.md, "Bounded memory").
 */
final class DecisionReplay {
  private static final int MAX_STREAM_EVENTS = 10_000;

  private DecisionReplay() {}

  /**
   * Replays every decision stream into {@code cache} (the latest {@code bound} states, newest last, and
   * the key of every decision, bounded only by the key window) and {@code pending}; returns how many
   * decisions.
   *
   * @throws UnfoldableStreamException when a stream does not fold, or an envelope the fold reads is not
   *     readable (its message names the leaf and the stream)
   */
  static int all(Ledger ledger, DecisionCache cache, Map<String, PendingDecision> pending, int bound)
      throws LedgerStoreException {
    StreamEnds ends = cache.ends();
    LinkedHashMap<String, DecisionState> open = new LinkedHashMap<>(); // full states, newest last
    StreamSummaries beyond = new StreamSummaries(); // every other stream, folded to a summary
    Set<String> reload = new HashSet<>(); // summarised streams that became pending (the listing needs more)
    int count = 0;
    try (Cursor<StoredEntry> cursor = ledger.store().scanEntries(0)) {
      for (StoredEntry e = cursor.next(); e != null; e = cursor.next()) {
        if (!e.streamId().startsWith("dec_")) {
          continue;
        }
        String id = e.streamId();
        ends.record(id, e.leafIndex());
        boolean created = e.eventType().equals(DecisionProjection.CREATED);
        DecisionState current = open.remove(id);
        Byte summary = current == null ? beyond.get(id) : null;
        if (summary != null) {
          current = StreamSummary.expand(id, summary);
        }
        DecisionState next;
        if (created) {
          DecisionProjection.Creation c = create(current, e);
          next = c.state();
          // Every decision's key, in ledger order, bounded by the key window alone: the window is far
          // longer than the state cache, and a key must answer after a restart as it did before. It is
          // scoped by the recorded actor, the caller who submitted it, as the live path scopes it.
          cache.rememberKey(IdempotencyKey.scoped(c.actorId(), next.idempotencyKeyHash()), next.requestHash(), next.id());
          count++;
        } else {
          next = fold(current, e);
        }
        if (summary != null) {
          beyond.put(id, StreamSummary.of(next));
          track(pending, e.eventType(), id, next.status() == DecisionStatus.PENDING_AUTHORITY ? null : next, reload);
          continue;
        }
        open.put(id, next);
        track(pending, e.eventType(), id, next, reload);
        if (open.size() > bound) {
          Iterator<Map.Entry<String, DecisionState>> eldest = open.entrySet().iterator();
          Map.Entry<String, DecisionState> out = eldest.next();
          eldest.remove();
          beyond.put(out.getKey(), StreamSummary.of(out.getValue()));
        }
      }
    }
    open.values().stream().filter(DecisionState::complete).forEach(cache::put);
    for (String id : reload) { // only a trail whose result came long after its creation: not one this engine writes
      one(ledger, id, ends).filter(d -> d.status() == DecisionStatus.PENDING_AUTHORITY && d.expiresAt().isPresent())
          .ifPresent(d -> pending.put(id, PendingDecision.of(d, d.expiresAt().get())));
    }
    return count;
  }

  /**
   * One decision's current state from its stream, or empty if the ledger has no such decision.
   *
   * <p>The stream is read back from the file, which someone may have edited since the start's check:
   * each entry's hash is recomputed from its envelope and the previous entry's hash (the stream's
   * chain, numbered from 0 without gaps), and the last entry is proven included under the latest
   * checkpoint this process signed. An edit anywhere in the stream changes the last entry's hash, so
   * the one proof covers every entry. Entries removed from the stream's end leave a shorter stream that
   * passes both; the stream must reach the leaf {@code ends} last knew for it.
   *
   * @throws StreamIntegrityException when the stream read back does not verify
   */
  static Optional<DecisionState> one(Ledger ledger, String decisionId, StreamEnds ends) throws LedgerStoreException {
    // The known end first: every leaf recorded there was durable before it was recorded, so a read that
    // starts after it must reach it. Asked after the read, it could name an append made meanwhile
    // (review: an intact ledger marked failed when a change and an eviction raced a read-back).
    long known = ends.end(decisionId);
    List<StoredEntry> stream = new java.util.ArrayList<>();
    long from = 0;
    byte[] prev = dev.arbiter.ledger.EntryHash.genesis();
    // Page through the whole stream: a truncated read would report a stale status. The whole stream is
    // verified before any of it is folded: a fold that refuses an edited trail must not hide the edit.
    while (true) {
      List<StoredEntry> entries = ledger.store().query(new EntryQuery(decisionId, null, from, MAX_STREAM_EVENTS));
      for (StoredEntry e : entries) {
        requireChained(e, decisionId, stream.size(), prev);
        prev = e.entryHash();
        stream.add(e);
      }
      if (entries.size() < MAX_STREAM_EVENTS) {
        break;
      }
      from = entries.get(entries.size() - 1).leafIndex() + 1;
    }
    long last = stream.isEmpty() ? -1 : stream.get(stream.size() - 1).leafIndex();
    if (known > last) {
      throw new StreamIntegrityException(decisionId + " reached leaf " + known + " when this engine last held it, but"
          + (stream.isEmpty() ? " none of its entries is in the file now" : " its entries in the file now end at leaf "
          + last + " (stream_seq " + stream.get(stream.size() - 1).streamSeq() + ")") + ": entries were removed");
    }
    dev.arbiter.ledger.receipt.Receipt receipt = stream.isEmpty() ? null : requireIncluded(ledger, stream.get(stream.size() - 1));
    DecisionState state = null;
    for (StoredEntry e : stream) {
      state = fold(state, e);
    }
    if (state != null && receipt != null && state.lastLeafIndex() == receipt.leafIndex()) {
      // The proof just checked is the answer's receipt too: not built a second time.
      state = state.at(state.lastLeafIndex(), Optional.of(receipt));
    }
    return Optional.ofNullable(state).filter(DecisionState::complete);
  }

  /**
   * The entry is the stream's next link: numbered in order, its index columns (stream, type, leaf,
   * seq) exactly its envelope's header (the fold reads the event type from the column), and its hash
   * recomputed from its envelope and the previous entry's hash.
   */
  private static void requireChained(StoredEntry e, String decisionId, long expectedSeq, byte[] prev) {
    String problem = null;
    if (e.streamSeq() != expectedSeq) {
      problem = "expected stream_seq " + expectedSeq;
    } else if (!dev.arbiter.ledger.verify.FastEnvelopeCheck.matches(e, e.leafIndex())) {
      problem = "its index columns (stream, event type, leaf, stream_seq) differ from its envelope";
    } else if (!java.security.MessageDigest.isEqual(dev.arbiter.ledger.EntryHash.compute(prev, e.envelope()), e.entryHash())) {
      problem = "its envelope does not hash to its recorded entry hash";
    }
    if (problem != null) {
      throw new StreamIntegrityException("leaf " + e.leafIndex() + " of " + decisionId + " (stream_seq " + e.streamSeq()
          + "): " + problem);
    }
  }

  /**
   * The entry is in the tree under a checkpoint this process signed (held in memory, not read back);
   * returns that proof as the entry's receipt.
   */
  private static dev.arbiter.ledger.receipt.Receipt requireIncluded(Ledger ledger, StoredEntry e) throws LedgerStoreException {
    dev.arbiter.ledger.checkpoint.Checkpoint cp = ledger.checkpointCovering(e.leafIndex(), DecisionEngine.COVERAGE_WAIT)
        .orElseThrow(() -> new NotCoveredYet("leaf " + e.leafIndex() + " of " + e.streamId()
            + " is not under a signed checkpoint yet; it is not served before it can be proven"));
    try {
      List<dev.arbiter.ledger.HashValue> path = ledger.inclusionProof(e.leafIndex(), cp.treeSize());
      List<byte[]> proof = path.stream().map(dev.arbiter.ledger.HashValue::bytes).toList();
      dev.arbiter.ledger.merkle.ProofVerifier.verifyInclusion(dev.arbiter.ledger.merkle.Rfc9162.hashLeaf(e.entryHash()),
          e.leafIndex(), cp.treeSize(), proof, cp.rootHash().bytes());
      return new dev.arbiter.ledger.receipt.Receipt(e.leafIndex(), dev.arbiter.ledger.HashValue.of(e.entryHash()), path, cp);
    } catch (dev.arbiter.ledger.merkle.ProofVerificationException | RuntimeException ex) {
      throw new StreamIntegrityException("leaf " + e.leafIndex() + " of " + e.streamId() + ": not included under the"
          + " checkpoint at size " + cp.treeSize() + " this engine signed (" + ex.getMessage() + ")");
    }
  }

  /** The stream's last entry is not under a signed checkpoint (yet, or ever: a row this process did not write). */
  static final class NotCoveredYet extends RuntimeException {
    NotCoveredYet(String message) {
      super(message);
    }
  }

  /** A stream read back from the file that does not verify: the file was edited while the engine ran. */
  static final class StreamIntegrityException extends RuntimeException {
    StreamIntegrityException(String message) {
      super(message);
    }
  }

  /** Keeps {@code pending} current; {@code state} is null when only a summary is kept of a pending one. */
  private static void track(Map<String, PendingDecision> pending, String type, String id, DecisionState state,
      Set<String> reload) {
    if (type.equals(DecisionProjection.CANCELLED) || type.equals(DecisionProjection.EXPIRED)) {
      pending.remove(id);
    } else if (type.equals(DecisionProjection.RESULT) && state == null) {
      reload.add(id);
    } else if (type.equals(DecisionProjection.RESULT)) {
      if (state.status() == DecisionStatus.PENDING_AUTHORITY && state.expiresAt().isPresent()) {
        pending.put(id, PendingDecision.of(state, state.expiresAt().get()));
      } else {
        pending.remove(id); // authorized or denied by approvers
      }
    }
  }

  private static DecisionProjection.Creation create(DecisionState current, StoredEntry e) {
    try {
      return DecisionProjection.applyStoredCreation(current, e.streamId(), e.envelope(), e.leafIndex());
    } catch (IOException ex) {
      throw new UnfoldableStreamException("leaf " + e.leafIndex() + " of " + e.streamId() + ": unreadable envelope", ex);
    } catch (IllegalTransitionException | RuntimeException ex) {
      throw refused(e, ex);
    }
  }

  private static DecisionState fold(DecisionState current, StoredEntry e) {
    try {
      return DecisionProjection.applyStored(current, e.streamId(), e.eventType(), e.envelope(), e.leafIndex());
    } catch (IOException ex) {
      throw new UnfoldableStreamException("leaf " + e.leafIndex() + " of " + e.streamId() + ": unreadable envelope", ex);
    } catch (IllegalTransitionException | RuntimeException ex) {
      throw refused(e, ex);
    }
  }

  /** A stream the fold refuses: the leaf, the stream and the event type, then the fold's reason (never a payload). */
  private static UnfoldableStreamException refused(StoredEntry e, Exception ex) {
    return new UnfoldableStreamException("leaf " + e.leafIndex() + " of " + e.streamId() + " (" + e.eventType() + "): "
        + ex.getMessage(), ex);
  }

  /**
   * A stream the fold refuses: an illegal or malformed trail (tampering, a foreign writer), not a
   * passing fault. The engine's sweep and listing drop such a decision and say so; other failures
   * are retried.
   */
  static final class UnfoldableStreamException extends IllegalStateException {
    UnfoldableStreamException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
