package dev.arbiter.server.engine;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many refusals this process has recorded per budget (a decision, or a system stream), so that
 * refusals cannot grow one append-only stream without bound.
 *
 * <p>The table holds at most {@link #MAX_BUDGETS} budgets. When a new budget would exceed that, every
 * count is forgotten at once. That re-opens each budget, but only after at least
 * {@code MAX_BUDGETS} distinct budgets were charged since the last reset, each of which records at
 * least one event: flooding one stream by forcing resets costs more ledger entries elsewhere than it
 * adds to that stream, and memory stays bounded however many decisions are refused.
 */
final class RefusalBudgets {
  static final int MAX_BUDGETS = 65_536;

  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
  private final int maxBudgets;

  RefusalBudgets() {
    this(MAX_BUDGETS);
  }

  RefusalBudgets(int maxBudgets) {
    this.maxBudgets = maxBudgets;
  }

  /** Counts one refusal against {@code budget} and returns the count including it (1 for the first). */
  int charge(String budget) {
    AtomicInteger n = counts.get(budget);
    if (n == null) {
      if (counts.size() >= maxBudgets) {
        counts.clear();
      }
      n = counts.computeIfAbsent(budget, k -> new AtomicInteger());
    }
    return n.incrementAndGet();
  }

  int size() {
    return counts.size();
  }
}
