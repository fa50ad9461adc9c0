package dev.arbiter.server.engine;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Fixed one-minute windows per key: at most {@code limit} attempts per key and minute. */
final class RateLimiter {
  private record Window(long minute, int count) {}

  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  boolean tryAcquire(String key, int limit, Instant now) {
    long minute = now.getEpochSecond() / 60;
    if (windows.size() > 100_000) {
      windows.values().removeIf(w -> w.minute() < minute);
    }
    Window w = windows.compute(key, (k, old) -> old == null || old.minute() != minute
        ? new Window(minute, 1) : new Window(minute, old.count() + 1));
    return w.count() <= limit;
  }

  /** Seconds until the current window ends. */
  static long secondsLeft(Instant now) {
    return 60 - now.getEpochSecond() % 60;
  }
}
