package dev.arbiter.ledger.store;

/**
 * The store could not do what was asked: unreachable, I/O failure, or a write it refused. Callers
 * fail closed on it (no acknowledgement, no allow).
 */
public class LedgerStoreException extends Exception {
  public LedgerStoreException(String message, Throwable cause) {
    super(message, cause);
  }

  public LedgerStoreException(String message) {
    super(message);
  }
}
