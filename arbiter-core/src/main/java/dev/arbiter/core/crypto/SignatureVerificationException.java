package dev.arbiter.core.crypto;

/**
 * A signature did not verify: wrong length, malformed encoding, or simply not made by the key. The
 * message names the algorithm and key id and, for impossible input, what was expected and found.
 */
public final class SignatureVerificationException extends Exception {
  public SignatureVerificationException(String message) {
    super(message);
  }

  public SignatureVerificationException(String message, Throwable cause) {
    super(message, cause);
  }
}
