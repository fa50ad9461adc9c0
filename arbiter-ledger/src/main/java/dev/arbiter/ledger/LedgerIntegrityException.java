package dev.arbiter.ledger;

/**
 * The stored ledger does not match its own signed checkpoints (or was signed by another key). The
 * ledger refuses to extend it; the engine goes into restriction mode.
 */
public final class LedgerIntegrityException extends Exception {
  public LedgerIntegrityException(String message) {
    super(message);
  }
}
