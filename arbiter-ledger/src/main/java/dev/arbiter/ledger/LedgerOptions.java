package dev.arbiter.ledger;

import java.security.SecureRandom;
import java.util.Random;

/**
 * Tuning for the write path. Validated at construction; immutable.
 *
 * @param maxBatchEvents most events in one commit (one transaction, one fsync, one checkpoint)
 * @param queueCapacity most appends waiting; past it {@code append} fails fast (back-pressure)
 * @param streamHeadCache how many stream heads to keep in memory
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

  public static LedgerOptions defaults() {
    return new LedgerOptions(1024, 65_536, 100_000, new SecureRandom());
  }
}
