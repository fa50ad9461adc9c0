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
 * <p>Cost: one full verification per interval, started from a low-priority thread (the verifier runs
 * its own reader, checkpoint and storage-check threads beside it, which may take both cores for the
 * run: ~0.3M entries/s here, BENCHMARKS.md), so the default interval (an hour) costs under a percent
 * of the machine for ledgers of a few million entries, in bursts. The run holds one read snapshot,
 * so the writer's WAL grows by what is appended meanwhile. A file that cannot be read now is not a
 * verdict: it is logged and tried at the next interval; a file removed or replaced is one.
 */
public final class LedgerReverifier implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LedgerReverifier.class);

  private final DecisionEngine engine;
  private final Ledger ledger;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  /** The ledger file the engine opened (its inode): a file put in its place is not the engine's ledger. */
  private final Object fileKey;
  /** Set by {@link #close}: a verification cut short by the stop is no verdict. */
  private volatile boolean closing;

  private LedgerReverifier(DecisionEngine engine, Ledger ledger, Clock clock, ScheduledExecutorService scheduler) {
    this.engine = engine;
    this.ledger = ledger;
    this.clock = clock;
    this.scheduler = scheduler;
    this.fileKey = ledger.store() instanceof SqliteLedgerStore sqlite ? fileKey(sqlite.file()) : null;
  }

  private static Object fileKey(java.nio.file.Path file) {
    try {
      return java.nio.file.Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    } catch (java.io.IOException e) {
      return null;
    }
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
    } catch (Throwable e) { // an Error too: a scheduled task that throws is never run again
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
    // Review: a ledger file removed, or another file put in its place, read as "cannot read now" for
    // good while the engine went on appending to a file no one else can see.
    if (!java.nio.file.Files.exists(sqlite.file())) {
      return failed("the ledger file " + sqlite.file() + " was removed while the engine runs on it");
    }
    Object now = fileKey(sqlite.file());
    if (fileKey != null && now != null && !fileKey.equals(now)) {
      return failed("the ledger file " + sqlite.file() + " was replaced by another file while the engine runs on it");
    }
    // Read before the file's snapshot is taken: a checkpoint the engine signed is committed, so the
    // verification's snapshot holds it (or the ledger was cut under the engine).
    Checkpoint mustContain = ledger.latestCheckpoint();
    try (SqliteLedgerStore ro = SqliteLedgerStore.open(sqlite.file(), SqliteLedgerStore.Mode.READ_ONLY)) {
      Object opened = fileKey(sqlite.file());
      if (fileKey != null && opened != null && !fileKey.equals(opened)) { // swapped between the check and the open
        return failed("the ledger file " + sqlite.file() + " was replaced by another file while the engine runs on it");
      }
      VerificationReport r = new LedgerVerifier(ro, ledger.verifyingKey(), mustContain, n -> {}).verify();
      // Not failures (every entry was checked), but a running engine must say so too (black-box run: a
      // trigger dropped under it was reported by `ledger verify` and at the next start only).
      r.warnings().forEach(w -> LOG.warn("ledger check while running: {}", w));
      engine.integrity().markVerified(new StartupVerification.Status.Verified(r.entries(), r.seconds(), clock.instant(),
          false, r.warnings()));
      LOG.info("ledger verified again: {} entries, {} checkpoints, root {} ({} s)", r.entries(), r.checkpoints(),
          r.root().hex(), String.format(java.util.Locale.ROOT, "%.2f", r.seconds()));
      return true;
    } catch (LedgerVerificationException e) {
      return failed(StartupVerification.describe(e.failure()));
    } catch (dev.arbiter.ledger.store.CorruptLedgerException e) {
      return failed("the ledger's data is malformed: " + e.getMessage());
    } catch (dev.arbiter.ledger.store.NotALedgerException e) {
      return failed("the ledger file is no longer a ledger: " + e.getMessage());
    } catch (LedgerStoreException e) {
      LOG.warn("ledger re-verification could not read the file now (tried again later): {}", e.getMessage());
      return false;
    }
  }

  /** A verdict, unless the run was cut short by {@link #close} (review: a stop mid-run read as missing checkpoints). */
  private boolean failed(String summary) {
    if (closing || Thread.currentThread().isInterrupted()) {
      LOG.info("ledger re-verification stopped before its end; no verdict");
      return false;
    }
    engine.integrity().markFailed(summary);
    return false;
  }

  @Override
  public void close() {
    closing = true;
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
