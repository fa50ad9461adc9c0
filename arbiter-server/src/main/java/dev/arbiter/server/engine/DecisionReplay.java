package dev.arbiter.server.engine;

import dev.arbiter.core.decision.DecisionStatus;
import dev.arbiter.core.decision.IllegalTransitionException;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.store.Cursor;
import dev.arbiter.ledger.store.EntryQuery;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.StoredEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Rebuilds decision state from the ledger, the source of truth: the whole log once at startup
 * (streaming, bounded memory), or one decision's stream on demand (a decision evicted from the
 * cache). Only the hashed envelope bytes are read, and they are folded through {@link
 * DecisionProjection}, the same code the live path uses.
 */
final class DecisionReplay {
  private static final int MAX_STREAM_EVENTS = 10_000;

  private DecisionReplay() {}

  /**
   * Replays every decision stream into {@code cache} (the latest {@code bound} states, newest last, and
   * the key of every decision, bounded only by the key window) and {@code pending}; returns how many
   * decisions.
   */
  static int all(Ledger ledger, DecisionCache cache, Map<String, PendingDecision> pending, int bound)
      throws LedgerStoreException {
    // Fold with a bound: a stream whose state was dropped here is re-read from the ledger on demand.
    LinkedHashMap<String, DecisionState> open = new LinkedHashMap<>();
    int count = 0;
    try (Cursor<StoredEntry> cursor = ledger.store().scanEntries(0)) {
      for (StoredEntry e = cursor.next(); e != null; e = cursor.next()) {
        if (!e.streamId().startsWith("dec_")) {
          continue;
        }
        boolean created = e.eventType().equals(DecisionProjection.CREATED);
        DecisionState current = open.get(e.streamId());
        if (current == null && !created) {
          track(pending, e.eventType(), e.streamId(), null);
          continue; // evicted during replay: read on demand
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
        open.remove(e.streamId());
        open.put(e.streamId(), next);
        track(pending, e.eventType(), e.streamId(), next);
        if (open.size() > bound) {
          open.remove(open.keySet().iterator().next());
        }
      }
    }
    open.values().stream().filter(DecisionState::complete).forEach(cache::put);
    return count;
  }

  /** One decision's current state from its stream, or empty if the ledger has no such decision. */
  static Optional<DecisionState> one(Ledger ledger, String decisionId) throws LedgerStoreException {
    DecisionState state = null;
    long from = 0;
    // Page through the whole stream: a truncated read would report a stale status.
    while (true) {
      List<StoredEntry> entries = ledger.store().query(new EntryQuery(decisionId, null, from, MAX_STREAM_EVENTS));
      for (StoredEntry e : entries) {
        state = fold(state, e);
      }
      if (entries.size() < MAX_STREAM_EVENTS) {
        break;
      }
      from = entries.get(entries.size() - 1).leafIndex() + 1;
    }
    return Optional.ofNullable(state).filter(DecisionState::complete);
  }

  private static void track(Map<String, PendingDecision> pending, String type, String id, DecisionState state) {
    if (type.equals(DecisionProjection.CANCELLED) || type.equals(DecisionProjection.EXPIRED)) {
      pending.remove(id);
    } else if (type.equals(DecisionProjection.RESULT) && state != null) {
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
      throw new UncheckedIOException("leaf " + e.leafIndex() + ": unreadable envelope", ex);
    } catch (IllegalTransitionException ex) {
      throw new IllegalStateException("leaf " + e.leafIndex() + " of " + e.streamId() + ": " + ex.getMessage(), ex);
    }
  }

  private static DecisionState fold(DecisionState current, StoredEntry e) {
    try {
      return DecisionProjection.applyStored(current, e.streamId(), e.eventType(), e.envelope(), e.leafIndex());
    } catch (IOException ex) {
      throw new UncheckedIOException("leaf " + e.leafIndex() + ": unreadable envelope", ex);
    } catch (IllegalTransitionException ex) {
      throw new IllegalStateException("leaf " + e.leafIndex() + " of " + e.streamId() + ": " + ex.getMessage(), ex);
    }
  }
}
