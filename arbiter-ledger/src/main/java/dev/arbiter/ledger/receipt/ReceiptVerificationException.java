package dev.arbiter.ledger.receipt;

/** A receipt did not verify offline. */
public final class ReceiptVerificationException extends Exception {
  public ReceiptVerificationException(String message) {
    super(message);
  }
}
