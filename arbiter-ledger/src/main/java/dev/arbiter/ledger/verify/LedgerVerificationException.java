package dev.arbiter.ledger.verify;

/** Verification found the ledger altered; {@link #failure()} names the first bad entry or checkpoint. */
public final class LedgerVerificationException extends Exception {
  private final IntegrityFailure failure;
  private final long entriesVerified;

  public LedgerVerificationException(IntegrityFailure failure, long entriesVerified) {
    super(failure.message());
    this.failure = failure;
    this.entriesVerified = entriesVerified;
  }

  public IntegrityFailure failure() {
    return failure;
  }

  /** How many entries verified before the failure. */
  public long entriesVerified() {
    return entriesVerified;
  }
}
