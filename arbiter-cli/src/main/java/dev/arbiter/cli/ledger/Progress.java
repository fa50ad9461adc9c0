package dev.arbiter.cli.ledger;

import java.io.PrintWriter;
import java.util.function.LongConsumer;

/** Prints "what, N done (rate/s)" to stderr at most once a second, only once work took over a second. */
final class Progress implements LongConsumer {
  private final PrintWriter err;
  private final String what;
  private final long total;
  private final long started = System.nanoTime();
  private long lastPrint = started;

  Progress(PrintWriter err, String what, long total) {
    this.err = err;
    this.what = what;
    this.total = total;
  }

  @Override
  public synchronized void accept(long done) {
    long now = System.nanoTime();
    if (now - lastPrint < 1_000_000_000L) {
      return;
    }
    lastPrint = now;
    double secs = (now - started) / 1e9;
    String of = total > 0 ? "/" + total : "";
    err.printf("%s: %d%s (%.0f/s)%n", what, done, of, done / secs);
    err.flush();
  }
}
