package dev.arbiter.server.identity;

/**
 * The {@link DevIssuer} will not start: a production configuration is present, or its key file is
 * unsafe or unusable. The message says which and what to do; it never contains key material.
 */
public final class DevIssuerRefusedException extends Exception {
  DevIssuerRefusedException(String message) {
    super(message);
  }

  DevIssuerRefusedException(String message, Throwable cause) {
    super(message + " (" + cause.getClass().getSimpleName() + ")", null, false, true);
  }
}
