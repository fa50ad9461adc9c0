package dev.arbiter.core.grant;

/**
 * A grant that must not be honoured. {@link #code()} is stable (it is recorded and returned as the
 * problem's {@code reason}); the message never contains the grant itself.
 */
public final class GrantRejectedException extends Exception {
  private final String code;

  public GrantRejectedException(String code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public String code() {
    return code;
  }
}
