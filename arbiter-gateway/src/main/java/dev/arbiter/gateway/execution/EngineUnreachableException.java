package dev.arbiter.gateway.execution;

/**
 * The engine as a whole did not answer (no connection, a timeout) or said it cannot take anything now
 * (503, 429, a token it refuses: 401): every report would fail alike, so the gateway pauses before
 * the next one rather than trying each in turn.
 */
public final class EngineUnreachableException extends RecorderException {
  public EngineUnreachableException(String message) {
    super(message);
  }

  public EngineUnreachableException(String message, Throwable cause) {
    super(message, cause);
  }
}
