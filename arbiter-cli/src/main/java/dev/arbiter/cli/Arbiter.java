package dev.arbiter.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code arbiter} command. Subcommands are thin: they parse arguments, call the core and ledger
 * modules, and map failures to the exit codes of the external contract.
 *
 * <p>Exit codes: 0 ok, 1 verification or policy failure, 2 usage or bad input, 3 unavailable.
 */
@Command(
    name = "arbiter",
    mixinStandardHelpOptions = true,
    versionProvider = Arbiter.Version.class,
    description = {
      "Arbiter: a governance control plane between the systems that propose actions and the systems",
      "that execute them. Signed policy, verifiable approvals, and a tamper-evident ledger.",
      "",
      "Exit codes: 0 ok, 1 verification or policy failure, 2 usage or bad input, 3 unavailable."
    },
    subcommands = {
      KeysCommand.class,
      PolicyCommand.class,
      DecideCommand.class,
      ApproveCommand.class,
      AgentCommand.class,
      DecisionsCommand.class,
      ServeCommand.class,
      QuickstartCommand.class,
      SampleToolCommand.class,
      dev.arbiter.cli.ledger.LedgerCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Arbiter implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit code (used by tests, which must not call System.exit). */
  public static int run(String... args) {
    CommandLine cli = commandLine();
    // One writer for every command's output, so that a failed write is seen: a PrintWriter keeps
    // errors to itself, and `ledger prove ... > file` on a full disk exited 0 with an empty file
    // (black-box run).
    java.io.PrintWriter out = new java.io.PrintWriter(new java.io.OutputStreamWriter(System.out, System.out.charset()), true);
    cli.setOut(out);
    int code = cli.execute(args);
    out.flush();
    // System.out, under the writer, keeps its own errors: both are asked.
    if (out.checkError() || System.out.checkError()) {
      System.err.println("arbiter: the output could not be written (a full disk, or a closed pipe); what was written is incomplete");
      return code == ExitCodes.OK ? ExitCodes.UNAVAILABLE : code;
    }
    return code;
  }

  static final int HELP_WIDTH = 110;

  public static CommandLine commandLine() {
    return commandLine(CommandLine.defaultFactory());
  }

  /** The CLI with commands made by {@code factory} (tests inject a scripted console this way). */
  static CommandLine commandLine(CommandLine.IFactory factory) {
    CommandLine cli = new CommandLine(new Arbiter(), factory);
    // The commands' descriptions are written as lines of up to ~100 characters; at picocli's
    // default of 80 it re-wrapped each one and left half-lines behind.
    cli.setUsageHelpWidth(HELP_WIDTH);
    cli.setExitCodeExceptionMapper(ExitCodes::forException);
    cli.setParameterExceptionHandler(ExitCodes::onParameterException);
    cli.setExecutionExceptionHandler(ExitCodes::onExecutionException);
    versionEverywhere(cli, new Version());
    return cli;
  }

  /** Every command's {@code --version} (from mixinStandardHelpOptions) says the same; picocli gives subcommands none. */
  private static void versionEverywhere(CommandLine cli, CommandLine.IVersionProvider version) {
    for (CommandLine sub : cli.getSubcommands().values()) {
      sub.getCommandSpec().versionProvider(version);
      versionEverywhere(sub, version);
    }
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Arbiter.class.getPackage().getImplementationVersion();
      return new String[] {"arbiter " + (v == null ? "dev" : v)};
    }
  }
}
