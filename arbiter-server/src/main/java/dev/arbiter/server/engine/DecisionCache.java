package dev.arbiter.server.engine;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The engine's bounded memory: the latest {@code maxDecisions} decision states by id, and,
 * separately, the idempotency keys of the latest {@code maxKeys} recorded decisions (plus the ones
 * still being recorded). An evicted decision is re-read from the ledger on demand; reads never evict
 * a key, so the idempotency window is the latest {@code maxKeys} keys whatever else is read
 * (docs/design.md).
 *
 * <p>A key in flight is a {@link Slot} whose future other requests with the key wait on; once its
 * decision is recorded it moves into the {@link KeyWindow}, which holds its request's hash and its
 * decision's id in primitive arrays, not the state: the window can be far longer than the state
 * cache without holding anything the garbage collector would have to trace.
 */
final class DecisionCache {
  /** An idempotency key's claim: the request it was first used for, and that request's decision id. */
  record Slot(String requestHash, CompletableFuture<String> decisionId) {}

  private final int maxDecisions;
  /** Claims whose decision is still being recorded; the key moves to {@link #window} once it is. */
  private final Map<String, Slot> inFlight = new HashMap<>();
  /** Guarded by {@link #inFlight}, as is that map. */
  private final KeyWindow window;
  /** Guarded by this. */
  private final LinkedHashMap<String, DecisionState> byId = new LinkedHashMap<>(1024, 0.75f, false);
  /** Where the streams of evicted (and replayed) decisions end: a read-back must reach it. */
  private final StreamEnds ends = new StreamEnds(STREAM_ENDS);

  /**
   * Stream ends kept per generation (two generations): the latest 262,144 to 524,288 decisions, at most
   * ~25 MB. Older ones are checked by the read-back's chain and proof and by the next start.
   */
  static final int STREAM_ENDS = 262_144;

  DecisionCache(int maxDecisions, int maxKeys) {
    this.maxDecisions = maxDecisions;
    this.window = new KeyWindow(maxKeys);
  }

  /** Claims {@code keyHash} for a new request; returns the earlier claim if there is one. */
  Slot claim(String keyHash, Slot mine) {
    synchronized (inFlight) {
      KeyWindow.Remembered done = window.find(keyHash);
      if (done != null) {
        return new Slot(done.requestHash(), CompletableFuture.completedFuture(done.decisionId()));
      }
      Slot prior = inFlight.putIfAbsent(keyHash, mine);
      if (prior != null) {
        return prior;
      }
    }
    mine.decisionId().whenComplete((id, err) -> {
      synchronized (inFlight) {
        if (inFlight.remove(keyHash, mine) && err == null) {
          window.add(keyHash, mine.requestHash(), id);
        }
      }
    });
    return null;
  }

  /** Whether {@code keyHash} is claimed or remembered (a request with it would replay, not decide). */
  boolean knows(String keyHash) {
    synchronized (inFlight) {
      return inFlight.containsKey(keyHash) || window.find(keyHash) != null;
    }
  }

  /** Gives up a claim whose request was not recorded, so that a retry can record it. */
  void release(String keyHash, Slot mine) {
    synchronized (inFlight) {
      inFlight.remove(keyHash, mine);
    }
  }

  synchronized Optional<DecisionState> get(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /**
   * Remembers a recorded decision's key (the replay at startup, for every {@code decision.created} in
   * ledger order, whether or not its state is kept): a key used again after it left the window
   * resolves to its newest decision, as it did before the restart.
   */
  void rememberKey(String keyHash, String requestHash, String decisionId) {
    synchronized (inFlight) {
      window.add(keyHash, requestHash, decisionId);
    }
  }

  synchronized void put(DecisionState d) {
    byId.remove(d.id());
    byId.put(d.id(), d);
    while (byId.size() > maxDecisions) {
      Map.Entry<String, DecisionState> eldest = byId.entrySet().iterator().next();
      byId.remove(eldest.getKey()); // its key's slot stays: the window is by key
      ends.record(eldest.getKey(), eldest.getValue().lastLeafIndex());
    }
  }

  StreamEnds ends() {
    return ends;
  }

  /**
   * Caches a state read back from the file without the decision's lock, unless a later state is known:
   * the one cached, or a later end of its stream. Such a read can be older than a change that landed
   * meanwhile, and putting it back made a cancelled decision pending again (review).
   *
   * @return the state to answer with: {@code d}, or the later one cached
   */
  synchronized DecisionState putIfNewer(DecisionState d) {
    DecisionState current = byId.get(d.id());
    if (current != null && current.lastLeafIndex() >= d.lastLeafIndex()) {
      return current;
    }
    if (ends.end(d.id()) > d.lastLeafIndex()) {
      return d; // a later change was cached and evicted since this read: not cached, read again next time
    }
    put(d);
    return d;
  }

  /** Keys whose decision is still being recorded (tests: the map must not outlive its claims). */
  int inFlight() {
    synchronized (inFlight) {
      return inFlight.size();
    }
  }

  synchronized int size() {
    return byId.size();
  }
}
