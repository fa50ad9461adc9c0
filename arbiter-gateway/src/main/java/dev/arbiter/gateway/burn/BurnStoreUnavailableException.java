package dev.arbiter.gateway.burn;

/**
 * The burn store could not say whether a grant was used (file missing, disk full, I/O error, store
 * closed). The gateway then refuses the call (503): a grant it cannot burn is a grant it cannot honour.
 */
public final class BurnStoreUnavailableException extends Exception {
  public BurnStoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
