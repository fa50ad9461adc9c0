package dev.arbiter.server.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The engine's bounded memory: the latest {@code max} decisions by id, and, separately, the
 * idempotency slots of the latest {@code max} keys by first use (plus the ones still being
 * recorded). An evicted decision is re-read from the ledger on demand; reads never evict a key, so
 * the idempotency window is the latest {@code max} keys whatever else is read (docs/design.md).
 */
final class DecisionCache {
  /** An idempotency key's claim: the request it was first used for, and that request's decision. */
  record Slot(String requestHash, CompletableFuture<DecisionState> result) {}

  private final int max;
  private final Map<String, Slot> slots = new ConcurrentHashMap<>();
  private final LinkedHashMap<String, DecisionState> byId = new LinkedHashMap<>(1024, 0.75f, false);
  /** Keys in order of first use; guarded by this. */
  private final LinkedHashMap<String, Boolean> slotOrder = new LinkedHashMap<>(1024, 0.75f, false);

  DecisionCache(int max) {
    this.max = max;
  }

  /** Claims {@code keyHash} for a new request; returns the earlier claim if there is one. */
  Slot claim(String keyHash, Slot mine) {
    Slot prior = slots.putIfAbsent(keyHash, mine);
    if (prior == null) {
      remember(keyHash);
    }
    return prior;
  }

  /** Records a key's use and forgets the oldest finished keys beyond the window. */
  private synchronized void remember(String keyHash) {
    slotOrder.remove(keyHash);
    slotOrder.put(keyHash, Boolean.TRUE);
    var it = slotOrder.entrySet().iterator();
    while (slotOrder.size() > max && it.hasNext()) {
      String oldest = it.next().getKey();
      Slot s = slots.get(oldest);
      if (s != null && !s.result().isDone()) {
        continue; // still being recorded: never forget a key in flight
      }
      it.remove();
      if (s != null) {
        slots.remove(oldest, s);
      }
    }
  }

  /** Gives up a claim whose request was not recorded, so that a retry can record it. */
  void release(String keyHash, Slot mine) {
    slots.remove(keyHash, mine);
  }

  synchronized Optional<DecisionState> get(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /** Stores the latest state of a decision, and its key's slot (replay at startup). */
  void putWithSlot(DecisionState d) {
    // Replay runs oldest first: a key reused after it left the window resolves to its newest decision.
    slots.put(d.idempotencyKeyHash(), new Slot(d.requestHash(), CompletableFuture.completedFuture(d)));
    remember(d.idempotencyKeyHash());
    put(d);
  }

  synchronized void put(DecisionState d) {
    byId.remove(d.id());
    byId.put(d.id(), d);
    while (byId.size() > max) {
      byId.remove(byId.keySet().iterator().next()); // its key's slot stays: the window is by key
    }
  }

  synchronized int size() {
    return byId.size();
  }
}
