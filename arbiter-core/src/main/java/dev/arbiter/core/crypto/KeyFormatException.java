package dev.arbiter.core.crypto;

/**
 * Key material could not be parsed or is not acceptable (wrong PEM label, bad DER, unsupported
 * algorithm or curve, invalid point). The message says what was wrong; it never contains key bytes.
 * Distinct from {@link SignatureVerificationException}: a bad key is a configuration error, a bad
 * signature is a verification result.
 */
public final class KeyFormatException extends Exception {
  public KeyFormatException(String message) {
    super(message);
  }

  public KeyFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
