package dev.arbiter.cli;

/** A failure a command reports to the user with a message and one of the {@link ExitCodes}. */
public final class CliFailure extends RuntimeException {
  private final int exitCode;

  private CliFailure(int exitCode, String message, Throwable cause) {
    super(message, cause, false, false);
    this.exitCode = exitCode;
  }

  /** Exit 1: a verification or policy check failed. */
  public static CliFailure verification(String message) {
    return new CliFailure(ExitCodes.VERIFICATION_FAILED, message, null);
  }

  /** Exit 2: the user's arguments or input files are wrong. */
  public static CliFailure badInput(String message) {
    return new CliFailure(ExitCodes.BAD_INPUT, message, null);
  }

  /** Exit 3: something the command depends on is unavailable. */
  public static CliFailure unavailable(String message, Throwable cause) {
    return new CliFailure(ExitCodes.UNAVAILABLE, message, cause);
  }

  public int exitCode() {
    return exitCode;
  }
}
