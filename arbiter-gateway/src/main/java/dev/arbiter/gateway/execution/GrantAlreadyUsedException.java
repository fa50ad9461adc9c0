package dev.arbiter.gateway.execution;

/**
 * The engine already recorded a {@code started} execution for this grant (409 {@code
 * grant-already-used}): another gateway, or an earlier run with a lost burn store, used it. The
 * gateway answers 409 too, not 503: retrying cannot help.
 */
public final class GrantAlreadyUsedException extends RecorderException {
  public GrantAlreadyUsedException(String message) {
    super(message);
  }
}
