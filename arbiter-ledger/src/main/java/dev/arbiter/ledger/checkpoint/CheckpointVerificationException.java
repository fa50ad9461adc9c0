package dev.arbiter.ledger.checkpoint;

/** A checkpoint's signature or key did not verify. */
public final class CheckpointVerificationException extends Exception {
  public CheckpointVerificationException(String message) {
    super(message);
  }
}
