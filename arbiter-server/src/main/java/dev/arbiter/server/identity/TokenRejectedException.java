package dev.arbiter.server.identity;

import java.util.Objects;

/**
 * A bearer token was refused. {@link #reason()} is a stable code for callers and logs; the message
 * says what was expected and what was found, and never contains the token itself.
 *
 * <p>{@link Reason#IDP_UNAVAILABLE} is the only reason that is not the token's fault: the caller
 * answers 503 (identity degraded) instead of 401, and never accepts on stale trust.
 */
public final class TokenRejectedException extends Exception {

  /** Stable reason codes; names are part of the API (logged, recorded, mapped to problems). */
  public enum Reason {
    MALFORMED,
    ALGORITHM_NOT_ALLOWED,
    UNKNOWN_KEY,
    BAD_SIGNATURE,
    EXPIRED,
    NOT_YET_VALID,
    WRONG_ISSUER,
    WRONG_AUDIENCE,
    MISSING_SUBJECT,
    IDP_UNAVAILABLE
  }

  private final Reason reason;

  TokenRejectedException(Reason reason, String message) {
    this(reason, message, null);
  }

  /**
   * The cause is kept out of the chain on purpose: library exceptions may quote token parts. Only
   * its class name is appended to the message.
   */
  TokenRejectedException(Reason reason, String message, Throwable cause) {
    super(
        reason + ": " + message + (cause == null ? "" : " (" + cause.getClass().getSimpleName() + ")"),
        null,
        false,
        true);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public Reason reason() {
    return reason;
  }
}
