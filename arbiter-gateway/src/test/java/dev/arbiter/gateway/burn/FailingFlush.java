package dev.arbiter.gateway.burn;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;

/** For tests outside this package: a real burn store whose WAL flushes fail once {@link #failing} is set. */
public final class FailingFlush {
  public final AtomicBoolean failing = new AtomicBoolean();
  public final BurnStore store;

  public FailingFlush(Path file) throws BurnStoreUnavailableException {
    this.store = BurnStore.open(file, Clock.systemUTC(), wal -> {
      if (failing.get()) {
        throw new IOException("EIO (test)");
      }
      wal.force();
    });
  }
}
