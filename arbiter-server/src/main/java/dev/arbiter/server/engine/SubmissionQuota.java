package dev.arbiter.server.engine;

import dev.arbiter.core.decision.DecisionStatus;
import dev.arbiter.server.config.ServerConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Per-caller quotas on {@code POST /v1/decisions}: at most {@link ServerConfig#submissionsPerMinute}
 * requests per token subject and minute (fixed windows, {@link RateLimiter}), and at most {@link
 * ServerConfig#maxPendingPerProposer} decisions of one proposer waiting for authority. Any
 * authenticated subject may propose, and every request is a ledger write; a pending decision also
 * stays in memory and in every approver's listing until it is decided or expires.
 *
 * <p>Pending decisions are counted per proposer without touching the paths that add and remove
 * them: a count taken by scanning the engine's pending index, plus the pending decisions recorded
 * since that scan. The sum only over-counts (a decision decided since the scan is still in it), so a
 * proposer at the limit triggers a fresh scan, at most one a second, before being refused. A request
 * whose Idempotency-Key is already known replays its decision and is never refused for the pending
 * limit. Concurrent requests of one proposer can each pass the check before either is recorded:
 * the limit may be exceeded by the number of that proposer's requests in flight.
 */
public final class SubmissionQuota {
  private static final long RESCAN_NANOS = Duration.ofSeconds(1).toNanos();
  /** Past this many proposers counted since the last scan, the next check scans again (bounds the map). */
  private static final int MAX_SINCE = 10_000;

  private final RateLimiter limiter = new RateLimiter();
  private final ServerConfig config;
  private final Clock clock;
  private final Supplier<Collection<PendingDecision>> pending;
  private final Predicate<String> knownKeyHash;
  private final java.util.concurrent.locks.ReentrantLock scanning = new java.util.concurrent.locks.ReentrantLock();
  private final LongSupplier ticker;
  /** Pending decisions recorded since the last scan began, per proposer. */
  private volatile Map<String, Integer> since = new ConcurrentHashMap<>();
  /** While a scan runs: what {@link #since} held when it began, still counted until the scan is published. */
  private volatile Map<String, Integer> previous = Map.of();
  private volatile Map<String, Integer> scanned = Map.of();
  /** Guarded by {@link #scanning}. */
  private long lastScan;
  private volatile boolean everScanned;

  SubmissionQuota(ServerConfig config, Clock clock, Supplier<Collection<PendingDecision>> pending,
      Predicate<String> knownKeyHash, LongSupplier ticker) {
    this.config = config;
    this.clock = clock;
    this.pending = pending;
    this.knownKeyHash = knownKeyHash;
    this.ticker = ticker;
  }

  /**
   * Admits one request of {@code subject} with {@code key}, or refuses it.
   *
   * @throws EngineException.RateLimited 429 {@code rate-limited} past the per-minute limit
   * @throws EngineException.Conflict 409 {@code too-many-pending} when the subject already has the most
   *     pending decisions (a replay of a known key is never refused for this)
   */
  public void admit(String subject, IdempotencyKey key) throws EngineException {
    Instant now = clock.instant();
    if (!limiter.tryAcquire("submit:" + subject, config.submissionsPerMinute(), now)) {
      long seconds = RateLimiter.secondsLeft(now);
      throw new EngineException.RateLimited("too many decision requests by this caller (at most "
          + config.submissionsPerMinute() + " a minute); retry in " + seconds + " s", Duration.ofSeconds(seconds));
    }
    int max = config.maxPendingPerProposer();
    if (!everScanned || since.size() > MAX_SINCE || estimate(subject) >= max) {
      rescan();
      // Only a caller at its limit pays for the key look-up (a hash and the cache's lock): a replay
      // of a key the engine knows is answered, never refused for this.
      if (estimate(subject) >= max && !knownKeyHash.test(key.scopedTo(subject))) {
        throw new EngineException.Conflict("too-many-pending", "Too many pending decisions",
            "the caller already has " + max + " decisions waiting for authority; cancel some or wait until they are"
                + " decided or expire");
      }
    }
  }

  /** Counts what {@link #admit} let through once it is recorded. */
  public void recorded(String subject, Submission s) {
    if (!s.replayed() && s.decision().status() == DecisionStatus.PENDING_AUTHORITY) {
      since.merge(subject, 1, Integer::sum);
    }
  }

  int estimate(String subject) {
    return scanned.getOrDefault(subject, 0) + previous.getOrDefault(subject, 0) + since.getOrDefault(subject, 0);
  }

  /**
   * Counts the pending index again, at most once per second. {@link #since} starts afresh when the
   * scan begins and the old one is counted as {@link #previous} until the scan is published: a
   * decision counted in the old one was put in the index before (the engine indexes a decision before
   * it answers), so the scan sees it; one counted in the new one may be seen by the scan too, and then
   * counts twice until the next scan (an over-count, never an under-count).
   */
  private void rescan() {
    // A lock, not synchronized: on JDK 21 a virtual thread waiting for a monitor pins its carrier.
    scanning.lock();
    try {
      rescanLocked();
    } finally {
      scanning.unlock();
    }
  }

  private void rescanLocked() {
    long t = ticker.getAsLong();
    if (everScanned && t - lastScan < RESCAN_NANOS && since.size() <= MAX_SINCE) {
      return;
    }
    // What was counted since the last scan stays counted while this one runs: a request admitted
    // meanwhile must not see the old scan alone (an under-count, the limit passed unnoticed).
    previous = since;
    since = new ConcurrentHashMap<>();
    Map<String, Integer> counts = new HashMap<>();
    for (PendingDecision p : pending.get()) {
      p.proposer().ifPresent(proposer -> counts.merge(proposer, 1, Integer::sum));
    }
    scanned = counts;
    previous = Map.of();
    lastScan = t;
    everScanned = true;
  }
}
