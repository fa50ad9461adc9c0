package dev.arbiter.gateway.burn;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * For tests outside this package: a real burn store whose WAL flushes can be held and made to fail.
 * While {@link #gated} is set each flush first takes a permit of {@link #gate}; then it fails while
 * {@link #failing} is set, and flushes for real otherwise.
 */
public final class FailingFlush {
  public final AtomicBoolean failing = new AtomicBoolean();
  public final AtomicBoolean gated = new AtomicBoolean();
  public final Semaphore gate = new Semaphore(0);
  public final BurnStore store;

  public FailingFlush(Path file) throws BurnStoreUnavailableException {
    this(file, BurnStore.ANSWER_TIMEOUT);
  }

  /** With callers waiting at most {@code answerTimeout} for the store (and close() three times that). */
  public FailingFlush(Path file, java.time.Duration answerTimeout) throws BurnStoreUnavailableException {
    this.store = BurnStore.open(file, Clock.systemUTC(), wal -> {
      if (gated.get()) {
        gate.acquireUninterruptibly();
      }
      if (failing.get()) {
        throw new IOException("EIO (test)");
      }
      wal.force();
    }, answerTimeout);
  }
}
