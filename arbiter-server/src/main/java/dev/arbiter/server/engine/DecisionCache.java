package dev.arbiter.server.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The engine's bounded memory: the latest {@code maxDecisions} decision states by id, and,
 * separately, the idempotency slots of the latest {@code maxKeys} keys by first use (plus the ones
 * still being recorded). An evicted decision is re-read from the ledger on demand; reads never evict
 * a key, so the idempotency window is the latest {@code maxKeys} keys whatever else is read
 * (docs/design.md).
 *
 * <p>A slot holds its decision's id, not its state: a state with its evaluation is kilobytes, a slot
 * a few hundred bytes, so the window can be ten times longer than the state cache without holding
 * what the garbage collector would have to trace.
 */
final class DecisionCache {
  /** An idempotency key's claim: the request it was first used for, and that request's decision id. */
  record Slot(String requestHash, CompletableFuture<String> decisionId) {}

  private final int maxDecisions;
  private final int maxKeys;
  private final Map<String, Slot> slots = new ConcurrentHashMap<>();
  private final LinkedHashMap<String, DecisionState> byId = new LinkedHashMap<>(1024, 0.75f, false);
  /** Keys in order of first use; guarded by this. */
  private final LinkedHashMap<String, Boolean> slotOrder = new LinkedHashMap<>(1024, 0.75f, false);

  DecisionCache(int maxDecisions, int maxKeys) {
    this.maxDecisions = maxDecisions;
    this.maxKeys = maxKeys;
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
    while (slotOrder.size() > maxKeys && it.hasNext()) {
      String oldest = it.next().getKey();
      Slot s = slots.get(oldest);
      if (s != null && !s.decisionId().isDone()) {
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
    slots.put(d.idempotencyKeyHash(), new Slot(d.requestHash(), CompletableFuture.completedFuture(d.id())));
    remember(d.idempotencyKeyHash());
    put(d);
  }

  synchronized void put(DecisionState d) {
    byId.remove(d.id());
    byId.put(d.id(), d);
    while (byId.size() > maxDecisions) {
      byId.remove(byId.keySet().iterator().next()); // its key's slot stays: the window is by key
    }
  }

  synchronized int size() {
    return byId.size();
  }
}
