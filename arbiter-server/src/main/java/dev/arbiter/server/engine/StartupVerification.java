package dev.arbiter.server.engine;

import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import dev.arbiter.ledger.verify.IntegrityFailure;
import dev.arbiter.ledger.verify.LedgerVerificationException;
import dev.arbiter.ledger.verify.LedgerVerifier;
import dev.arbiter.ledger.verify.VerificationReport;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole ledger verified once at start, as {@code arbiter ledger verify} does it, on a thread of
 * its own while the engine serves. The start's own checks cover the stored hashes against the signed
 * root, not the envelopes the replay folds: an envelope edited by hand (its hash left alone) was
 * replayed into memory and served. When this finds anything, the engine refuses every change
 * ({@link #failure}) and is not ready, until an operator has looked: no decision, approval or
 * execution is decided on a ledger that does not verify. The failure is logged with the entry it
 * names (appending to the ledger that failed would be no evidence).
 */
public final class StartupVerification {
  private static final Logger LOG = LoggerFactory.getLogger(StartupVerification.class);

  /** Where the check stands. */
  public sealed interface Status {
    record Running() implements Status {}

    record Verified(long entries, double seconds) implements Status {}

    record Failed(String summary) implements Status {}

    /** Not run: a store that is not a file this process can reopen read-only. */
    record Skipped(String why) implements Status {}
  }

  private final AtomicReference<Status> status = new AtomicReference<>(new Status.Running());

  private StartupVerification() {}

  /** A check that has nothing to say (a test's engine without a file, or one that opts out). */
  public static StartupVerification skipped(String why) {
    StartupVerification v = new StartupVerification();
    v.status.set(new Status.Skipped(why));
    return v;
  }

  /** Starts verifying {@code ledger}'s file on a daemon thread. */
  public static StartupVerification start(Ledger ledger) {
    if (!(ledger.store() instanceof SqliteLedgerStore sqlite)) {
      return skipped("the store is not an SQLite file");
    }
    StartupVerification v = new StartupVerification();
    Thread.ofPlatform().name("ledger-verify-at-start").daemon(true).start(() -> v.run(sqlite, ledger));
    return v;
  }

  private void run(SqliteLedgerStore sqlite, Ledger ledger) {
    try (SqliteLedgerStore ro = SqliteLedgerStore.open(sqlite.file(), SqliteLedgerStore.Mode.READ_ONLY)) {
      VerificationReport r = new LedgerVerifier(ro, ledger.verifyingKey(), null, n -> {}).verify();
      status.set(new Status.Verified(r.entries(), r.seconds()));
      r.warnings().forEach(w -> LOG.warn("ledger check at start: {}", w));
      LOG.info("ledger verified at start: {} entries, {} checkpoints, root {} ({} s)", r.entries(), r.checkpoints(),
          r.root().hex(), String.format(java.util.Locale.ROOT, "%.2f", r.seconds()));
    } catch (LedgerVerificationException e) {
      fail(describe(e.failure()));
    } catch (Exception | Error e) {
      fail("the ledger could not be verified: " + e.getMessage());
    }
  }

  private void fail(String summary) {
    status.set(new Status.Failed(summary));
    LOG.error("LEDGER INTEGRITY FAILURE at start: {}. Every change is refused (503) and the engine is not ready"
        + " until the ledger is investigated (arbiter ledger verify --db ... --key ...).", summary);
  }

  private static String describe(IntegrityFailure f) {
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

  public Status status() {
    return status.get();
  }

  /** What failed, when the check failed. */
  public java.util.Optional<String> failure() {
    return status.get() instanceof Status.Failed f ? java.util.Optional.of(f.summary()) : java.util.Optional.empty();
  }
}
