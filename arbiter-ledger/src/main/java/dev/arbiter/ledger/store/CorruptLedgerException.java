package dev.arbiter.ledger.store;

/**
 * A stored row is malformed (a NULL, a hash of the wrong length, an unparsable key id): the file is a
 * ledger but its data was altered or damaged. Verification reports it as a failure (exit 1), not as
 * an unavailable store.
 */
public final class CorruptLedgerException extends LedgerStoreException {
  public CorruptLedgerException(String message) {
    super(message);
  }
}
