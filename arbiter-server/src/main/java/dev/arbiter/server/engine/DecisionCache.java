package dev.arbiter.server.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The engine's bounded memory: the latest {@code max} decisions by id, and the idempotency slots of
 * those decisions (plus the ones still being recorded). An evicted decision is re-read from the ledger
 * on demand; an evicted idempotency key is forgotten, so the idempotency window is the latest {@code
 * max} decisions (docs/design.md).
 */
final class DecisionCache {
  /** An idempotency key's claim: the request it was first used for, and that request's decision. */
  record Slot(String requestHash, CompletableFuture<DecisionState> result) {}

  private final int max;
  private final Map<String, Slot> slots = new ConcurrentHashMap<>();
  private final LinkedHashMap<String, DecisionState> byId = new LinkedHashMap<>(1024, 0.75f, false);

  DecisionCache(int max) {
    this.max = max;
  }

  /** Claims {@code keyHash} for a new request; returns the earlier claim if there is one. */
  Slot claim(String keyHash, Slot mine) {
    return slots.putIfAbsent(keyHash, mine);
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
    slots.putIfAbsent(d.idempotencyKeyHash(), new Slot(d.requestHash(), CompletableFuture.completedFuture(d)));
    put(d);
  }

  synchronized void put(DecisionState d) {
    byId.remove(d.id());
    byId.put(d.id(), d);
    while (byId.size() > max) {
      var eldest = byId.entrySet().iterator().next();
      byId.remove(eldest.getKey());
      Slot s = slots.get(eldest.getValue().idempotencyKeyHash());
      if (s != null && s.result().isDone() && !s.result().isCompletedExceptionally()
          && s.result().join().id().equals(eldest.getKey())) {
        slots.remove(eldest.getValue().idempotencyKeyHash(), s);
      }
    }
  }

  synchronized int size() {
    return byId.size();
  }
}
