package dev.arbiter.ledger.store;

/**
 * The ledger file exists but this process may not read it: its permissions, or a read-only
 * directory where SQLite cannot create the files it needs to read a write-ahead log. Bad input,
 * exit 2 (the user named a file they cannot read), not an unavailable store.
 */
public final class UnreadableLedgerException extends LedgerStoreException {
  public UnreadableLedgerException(String message) {
    super(message);
  }
}
