package dev.arbiter.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The CLI's exit codes and the mapping from failures to them. A command signals a failure by
 * throwing {@link CliFailure}; anything else that escapes is a bug and is reported briefly (no stack
 * trace unless {@code ARBITER_DEBUG} is set) with exit code 3.
 */
public final class ExitCodes {
  public static final int OK = 0;
  public static final int VERIFICATION_FAILED = 1;
  public static final int BAD_INPUT = 2;
  public static final int UNAVAILABLE = 3;

  private ExitCodes() {}

  static int forException(Throwable t) {
    return t instanceof CliFailure f ? f.exitCode() : UNAVAILABLE;
  }

  static int onParameterException(ParameterException e, String[] args) {
    PrintWriter err = e.getCommandLine().getErr();
    if (e.getCommandLine().getCommand() instanceof dev.arbiter.cli.ledger.LedgerVerifyCommand
        && java.util.Arrays.asList(args).contains("--json")) {
      // `ledger verify --json` prints one object for every outcome, a refused command line included.
      dev.arbiter.cli.ledger.LedgerVerifyCommand.printError(e.getCommandLine().getOut(), BAD_INPUT, e.getMessage());
    }
    err.println("arbiter: " + e.getMessage());
    if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, err)) {
      err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
    }
    return BAD_INPUT;
  }

  static int onExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
    PrintWriter err = cmd.getErr();
    if (e instanceof CliFailure f) {
      err.println("arbiter: " + f.getMessage());
      err.flush();
      return f.exitCode();
    }
    err.println("arbiter: internal error: " + e);
    if (System.getenv("ARBITER_DEBUG") != null) {
      e.printStackTrace(err);
    }
    err.flush();
    return UNAVAILABLE;
  }
}
