package dev.arbiter.server.engine;

import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import dev.arbiter.ledger.verify.IntegrityFailure;
import dev.arbiter.ledger.verify.LedgerVerificationException;
import dev.arbiter.ledger.verify.LedgerVerifier;
import dev.arbiter.ledger.verify.VerificationReport;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole ledger verified at start, as {@code arbiter ledger verify} does it, before anything is
 * appended or served. The writer's own open checks the stored hashes against the signed root and the
 * replay folds the envelopes, but neither hashes the envelopes: an envelope edited by hand (its hash
 * left alone) was replayed and served. A first version checked in the background while the engine
 * served; in that window a tampered decision was granted and executed, and a new policy's activation
 * or a key's enrolment was appended to a ledger that then failed (black-box run). So the check runs
 * first and the engine does not start on a ledger that fails it.
 *
 * <p>While running, the engine can still find a stream that does not verify when it reads one back
 * from the file ({@link #markFailed}): from then on it refuses every change and is not ready.
 */
public final class StartupVerification {
  private static final Logger LOG = LoggerFactory.getLogger(StartupVerification.class);

  /** Where the check stands. */
  public sealed interface Status {
    /** The last verification passed: when it ran, how many entries it covered, and whether it was the start's. */
    record Verified(long entries, double seconds, java.time.Instant at, boolean atStart, java.util.List<String> warnings)
        implements Status {
      public Verified {
        warnings = java.util.List.copyOf(warnings);
      }
    }

    /** Found while running: a stream read back from the file did not verify. */
    record Failed(String summary) implements Status {}

    /** Not run: a store that is not a file this process can reopen read-only. */
    record Skipped(String why) implements Status {}
  }

  /** The ledger does not verify: the engine does not start on it. */
  public static final class Failed extends Exception {
    public Failed(String summary) {
      super(summary);
    }
  }

  private final AtomicReference<Status> status;

  private StartupVerification(Status initial) {
    this.status = new AtomicReference<>(initial);
  }

  /** A check that has nothing to say (a store without a file). */
  public static StartupVerification skipped(String why) {
    return new StartupVerification(new Status.Skipped(why));
  }

  /**
   * Verifies {@code ledger}'s file now, on a read-only connection.
   *
   * @throws Failed naming the first bad entry, when the ledger does not verify
   * @throws dev.arbiter.ledger.store.LedgerStoreException when the file cannot be read now (not a verdict)
   */
  public static StartupVerification verifyNow(Ledger ledger) throws Failed, dev.arbiter.ledger.store.LedgerStoreException {
    return verifyNow(ledger, Optional.empty());
  }

  /**
   * As {@link #verifyNow(Ledger)}, and the ledger must still contain {@code trusted}: a checkpoint
   * kept outside the data directory (a witness's). Without one, a tail cut made while the engine was
   * stopped (entries, checkpoints and tiles removed together) verifies.
   */
  public static StartupVerification verifyNow(Ledger ledger, Optional<Checkpoint> trusted)
      throws Failed, dev.arbiter.ledger.store.LedgerStoreException {
    if (!(ledger.store() instanceof SqliteLedgerStore sqlite)) {
      if (trusted.isPresent()) {
        // Asked to check against a witness and cannot: not started, rather than started unchecked.
        throw new Failed("a trusted checkpoint was given but this store cannot be verified at start");
      }
      return skipped("the store is not an SQLite file");
    }
    try (SqliteLedgerStore ro = SqliteLedgerStore.open(sqlite.file(), SqliteLedgerStore.Mode.READ_ONLY)) {
      VerificationReport r = new LedgerVerifier(ro, ledger.verifyingKey(), trusted.orElse(null), n -> {}).verify();
      r.warnings().forEach(w -> LOG.warn("ledger check at start: {}", w));
      LOG.info("ledger verified at start: {} entries, {} checkpoints, root {} ({} s){}", r.entries(), r.checkpoints(),
          r.root().hex(), String.format(java.util.Locale.ROOT, "%.2f", r.seconds()),
          r.trustedCheckpointSize() >= 0 ? "; it contains the trusted checkpoint at size " + r.trustedCheckpointSize() : "");
      return new StartupVerification(new Status.Verified(r.entries(), r.seconds(), java.time.Instant.now(), true, r.warnings()));
    } catch (LedgerVerificationException e) {
      throw new Failed(describe(e.failure()));
    } catch (dev.arbiter.ledger.store.CorruptLedgerException e) {
      throw new Failed("the ledger's data is malformed: " + e.getMessage());
    }
    // Any other store failure (a busy or unreadable file) is an outage, not a verdict: it propagates.
  }

  /** What {@code arbiter ledger verify} would print first: the failure and the entry it names. */
  public static String describe(IntegrityFailure f) {
    StringBuilder b = new StringBuilder(f.message());
    if (f.leafIndex() >= 0) {
      b.append(" (leaf ").append(f.leafIndex());
      if (f.streamId() != null) {
        b.append(", stream ").append(f.streamId()).append(", stream_seq ").append(f.streamSeq());
      }
      b.append(')');
    }
    return b.toString();
  }

  /** Records an integrity failure found while running; logged once, as an error. */
  void markFailed(String summary) {
    Status before = status.getAndSet(new Status.Failed(summary));
    if (!(before instanceof Status.Failed)) {
      LOG.error("LEDGER INTEGRITY FAILURE: {}. Every change is refused (503) and the engine is not ready until the"
          + " ledger is investigated (arbiter ledger verify --db ... --key ...).", summary);
    }
  }

  /** A later verification passed (nothing changes once one failed: that stands until a restart). */
  void markVerified(Status.Verified v) {
    status.updateAndGet(s -> s instanceof Status.Failed ? s : v);
  }

  public Status status() {
    return status.get();
  }

  public boolean failed() {
    return status.get() instanceof Status.Failed;
  }

  /** What failed, when a check failed. */
  public Optional<String> failure() {
    return status.get() instanceof Status.Failed f ? Optional.of(f.summary()) : Optional.empty();
  }
}
