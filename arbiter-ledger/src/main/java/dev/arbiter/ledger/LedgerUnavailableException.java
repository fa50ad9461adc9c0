package dev.arbiter.ledger;

/**
 * The ledger could not confirm a write (store unreachable, disk full, commit refused). Nothing was
 * acknowledged; callers fail closed (the engine answers {@code queue}, never {@code allow}).
 */
public final class LedgerUnavailableException extends Exception {
  public LedgerUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
