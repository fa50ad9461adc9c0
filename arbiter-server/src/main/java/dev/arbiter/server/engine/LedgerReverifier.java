package dev.arbiter.server.engine;

import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import dev.arbiter.ledger.verify.LedgerVerificationException;
import dev.arbiter.ledger.verify.LedgerVerifier;
import dev.arbiter.ledger.verify.VerificationReport;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies the whole ledger again while the engine runs, every {@code interval}, exactly as {@code
 * arbiter ledger verify} does (a read-only connection; the file's snapshot at the start of the run),
 * and, beyond it, that the ledger still contains the last checkpoint this engine signed. A failure
 * puts the engine in restriction mode ({@link StartupVerification#markFailed}): every change is
 * refused and {@code /v1/ready} says why.
 *
 * <p>Why: the start's verification and the read-backs of streams catch a ledger edited while the
 * engine was stopped, or a stream edited under it that it reads again. A black-box run edited the
 * {@code decision.created} of a decision the engine held in memory: both approvals were taken and a
 * grant issued (for the real payload, from memory), and {@code /v1/ready} still said "verified" until a
 * restart. Now such an edit is found within one interval. The last signed checkpoint also catches a
 * tail cut under the running engine, which verification without a trusted checkpoint cannot.
 *
 * <p>Cost: one full verification per interval on one low-priority thread (BENCHMARKS.md: ~0.3M
 * entries/s on this machine's two cores), so the default interval (an hour) costs under a percent
 * of a core for ledgers of a few million entries. A file that cannot be read now is not a verdict: it
 * is logged and tried at the next interval.
 */
public final class LedgerReverifier implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LedgerReverifier.class);

  private final DecisionEngine engine;
  private final Ledger ledger;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;

  private LedgerReverifier(DecisionEngine engine, Ledger ledger, Clock clock, ScheduledExecutorService scheduler) {
    this.engine = engine;
    this.ledger = ledger;
    this.clock = clock;
    this.scheduler = scheduler;
  }

  /** Starts verifying every {@code interval}; {@link Duration#ZERO} starts nothing (runs only when asked). */
  public static LedgerReverifier start(DecisionEngine engine, Ledger ledger, Clock clock, Duration interval) {
    ScheduledExecutorService s = null;
    if (!interval.isZero()) {
      s = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ledger-reverify");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        return t;
      });
    }
    LedgerReverifier v = new LedgerReverifier(engine, ledger, clock, s);
    if (s != null) {
      s.scheduleWithFixedDelay(v::runQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }
    return v;
  }

  private void runQuietly() {
    try {
      runOnce();
    } catch (RuntimeException e) {
      LOG.error("ledger re-verification could not run", e);
    }
  }

  /**
   * One verification now. Returns true when it passed, false when it failed (the engine is in
   * restriction mode from then on) or could not run.
   */
  public boolean runOnce() {
    if (engine.integrity().failed() || !(ledger.store() instanceof SqliteLedgerStore sqlite)) {
      return false;
    }
    // Read before the file's snapshot is taken: a checkpoint the engine signed is committed, so the
    // verification's snapshot holds it (or the ledger was cut under the engine).
    Checkpoint mustContain = ledger.latestCheckpoint();
    try (SqliteLedgerStore ro = SqliteLedgerStore.open(sqlite.file(), SqliteLedgerStore.Mode.READ_ONLY)) {
      VerificationReport r = new LedgerVerifier(ro, ledger.verifyingKey(), mustContain, n -> {}).verify();
      engine.integrity().markVerified(new StartupVerification.Status.Verified(r.entries(), r.seconds(), clock.instant(),
          false));
      LOG.info("ledger verified again: {} entries, {} checkpoints, root {} ({} s)", r.entries(), r.checkpoints(),
          r.root().hex(), String.format(java.util.Locale.ROOT, "%.2f", r.seconds()));
      return true;
    } catch (LedgerVerificationException e) {
      engine.integrity().markFailed(StartupVerification.describe(e.failure()));
      return false;
    } catch (dev.arbiter.ledger.store.CorruptLedgerException e) {
      engine.integrity().markFailed("the ledger's data is malformed: " + e.getMessage());
      return false;
    } catch (LedgerStoreException e) {
      LOG.warn("ledger re-verification could not read the file now (tried again later): {}", e.getMessage());
      return false;
    }
  }

  @Override
  public void close() {
    if (scheduler != null) {
      scheduler.shutdownNow();
      try {
        scheduler.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
