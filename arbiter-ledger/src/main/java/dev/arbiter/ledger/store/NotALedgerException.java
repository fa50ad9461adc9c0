package dev.arbiter.ledger.store;

/** The file or database is not an Arbiter ledger (or not a database at all). Bad input, exit 2. */
public final class NotALedgerException extends LedgerStoreException {
  public NotALedgerException(String message) {
    super(message);
  }
}
