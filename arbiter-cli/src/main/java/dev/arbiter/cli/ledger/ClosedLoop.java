package dev.arbiter.cli.ledger;

import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.event.EventDraft;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongFunction;

/**
 * The closed loop of {@code arbiter ledger bench}: {@code writers} appenders, each appending its next
 * event only once the receipt of its last one arrived, so that exactly {@code writers} appends are in
 * flight until the last events. The appenders are continuations on one harness thread, not one thread
 * each: an appender only builds a draft and waits, and as 256 virtual threads on the default scheduler
 * (one carrier per core) they competed with the ledger's own threads for this machine's two cores
 * (BENCHMARKS.md, ninth session). Load generators such as wrk work the same way. The thread that
 * completes a receipt (the ledger's syncer) only hands the continuation over; it never runs harness
 * code. That is cheaper for the ledger than callers that block in {@code join()}, each of which it
 * must wake: the figure is the ledger's capacity with a light client.
 */
final class ClosedLoop {
  private final Ledger ledger;
  private final ExecutorService harness;
  private final long n;
  private final LongFunction<EventDraft> draft;
  private final long[] lat;
  private final AtomicLong done;
  private final AtomicReference<Throwable> failure;
  private final CountDownLatch finished;
  /** The next event's index; touched on the harness thread only. */
  private long next;

  private ClosedLoop(Ledger ledger, ExecutorService harness, int writers, long n, LongFunction<EventDraft> draft, long[] lat,
      AtomicLong done, AtomicReference<Throwable> failure) {
    this.ledger = ledger;
    this.harness = harness;
    this.n = n;
    this.draft = draft;
    this.lat = lat;
    this.done = done;
    this.failure = failure;
    this.finished = new CountDownLatch(writers);
  }

  /**
   * Appends events {@code 0..n-1} with {@code writers} appenders; returns when every appender is done,
   * or, after a failure (in {@code failure}), once each has stopped. {@code lat[i]} is event i's time
   * from submit to its receipt on the harness thread; {@code done} counts the receipts.
   */
  static void run(Ledger ledger, int writers, long n, LongFunction<EventDraft> draft, long[] lat, AtomicLong done,
      AtomicReference<Throwable> failure) throws InterruptedException {
    ExecutorService harness = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("bench-appenders").daemon(true).factory());
    try {
      ClosedLoop loop = new ClosedLoop(ledger, harness, writers, n, draft, lat, done, failure);
      for (int w = 0; w < writers; w++) {
        harness.execute(loop::appendNext);
      }
      loop.finished.await();
    } finally {
      harness.shutdownNow();
    }
  }

  /**
   * One appender's next event; when its receipt arrives, {@link #received} goes on with this
   * appender. Whatever fails ends the appender with exactly one count-down and is reported: an
   * exception left inside a {@code whenCompleteAsync} action would vanish, and the run would wait
   * forever for this appender.
   */
  private void appendNext() {
    if (failure.get() != null || next >= n) {
      finished.countDown(); // this appender is done
      return;
    }
    long i = next++;
    long t0 = System.nanoTime();
    try {
      ledger.append(draft.apply(i)).whenCompleteAsync((r, t) -> received(i, t0, t), this::onHarness);
    } catch (Throwable t) {
      fail(t);
    }
  }

  private void received(long i, long t0, Throwable t) {
    if (t != null) {
      fail(t instanceof CompletionException && t.getCause() != null ? t.getCause() : t);
      return;
    }
    try {
      lat[(int) i] = System.nanoTime() - t0;
      done.incrementAndGet();
    } catch (Throwable e) {
      fail(e);
      return;
    }
    appendNext();
  }

  /**
   * Runs {@code task} on the harness thread. A receipt that arrives after the run ended (a failure
   * ended it while other appends were in flight) finds the harness shut down: it is dropped, nobody
   * waits for it.
   */
  private void onHarness(Runnable task) {
    try {
      harness.execute(task);
    } catch (RejectedExecutionException over) {
      // the run has ended
    }
  }

  private void fail(Throwable t) {
    failure.compareAndSet(null, t);
    finished.countDown();
  }
}
