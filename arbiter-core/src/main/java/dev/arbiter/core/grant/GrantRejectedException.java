package dev.arbiter.core.grant;

/**
 * A grant that must not be honoured. {@link #code()} is stable (it is recorded and returned as the
 * problem's {@code reason}); the message never contains the grant itself.
 */
public final class GrantRejectedException extends Exception {
  private final String code;
  private final transient Grant signed;

  public GrantRejectedException(String code, String message) {
    this(code, message, null);
  }

  /** A grant whose engine signature verified, refused for its time window ({@code signed} are its claims). */
  public GrantRejectedException(String code, String message, Grant signed) {
    super(message, null, false, false);
    this.code = code;
    this.signed = signed;
  }

  public String code() {
    return code;
  }

  /**
   * The claims, when the engine's signature over them verified (a grant refused for its time window):
   * its ids may then be recorded with the refusal; never for a grant whose signature did not verify.
   */
  public java.util.Optional<Grant> signedClaims() {
    return java.util.Optional.ofNullable(signed);
  }
}
