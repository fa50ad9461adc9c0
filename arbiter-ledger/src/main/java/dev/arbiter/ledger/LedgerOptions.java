package dev.arbiter.ledger;

import java.security.SecureRandom;
import java.util.Random;

/**
 * Tuning for the write path. Validated at construction; immutable.
 *
 * @param maxBatchEvents most events in one commit (one transaction, one fsync, one checkpoint)
 * @param queueCapacity most appends waiting; past it {@code append} fails fast (back-pressure)
 * @param streamHeadCache how many stream heads to keep in memory (a miss is one indexed read)
 * @param random randomness for event and ledger ids
 */
public record LedgerOptions(int maxBatchEvents, int queueCapacity, int streamHeadCache, Random random) {
  public LedgerOptions {
    if (maxBatchEvents < 1 || maxBatchEvents > 100_000) {
      throw new IllegalArgumentException("maxBatchEvents must be in [1, 100000], got " + maxBatchEvents);
    }
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queueCapacity must be >= 1, got " + queueCapacity);
    }
    if (streamHeadCache < 3 * maxBatchEvents) {
      // Heads of batches sequenced but not yet committed must never be evicted (up to ~3 batches in flight).
      throw new IllegalArgumentException("streamHeadCache must be >= 3 * maxBatchEvents (" + 3 * maxBatchEvents
          + "), got " + streamHeadCache);
    }
    if (random == null) {
      throw new IllegalArgumentException("random is required");
    }
  }

  /**
   * 1,024 events per commit, 65,536 waiting, 8,192 stream heads. The head cache only has to cover the
   * streams being written now (a decision's trail is one append; its later events come seconds or
   * hours after): 100,000 heads made every young collection promote and rescan a map that gains an
   * entry per decision (p99 at 2,500 decisions/s ~13 → ~11 ms with 8,192; `ledger bench` unchanged;
   * BENCHMARKS.md).
   */
  public static LedgerOptions defaults() {
    return new LedgerOptions(1024, 65_536, 8_192, new SecureRandom());
  }
}
