package dev.arbiter.gateway.execution;

/**
 * The engine refused to start an execution for a grant it can verify: the decision is no longer
 * executable (cancelled or expired after the grant was issued) or the grant is not one it issued for
 * that decision. The gateway answers 403: retrying cannot help.
 */
public final class GrantRefusedException extends RecorderException {
  private final String problemType;

  public GrantRefusedException(String message, String problemType) {
    super(message);
    this.problemType = problemType;
  }

  /** The engine's problem type (e.g. {@code .../grant-not-available}). */
  public String problemType() {
    return problemType;
  }
}
