package dev.arbiter.cli.ledger;

import picocli.CommandLine.Command;

/** {@code arbiter ledger ...}: read, verify, prove and benchmark a ledger file. */
@Command(
    name = "ledger",
    mixinStandardHelpOptions = true,
    description = {
      "Inspect and verify Arbiter's tamper-evident ledger.",
      "Verification needs only the ledger's public key: run it on a copy of the database.",
    },
    subcommands = {
      LedgerVerifyCommand.class,
      LedgerShowCommand.class,
      LedgerCheckpointCommand.class,
      LedgerProveCommand.class,
      LedgerVerifyProofCommand.class,
      LedgerBenchCommand.class,
      picocli.CommandLine.HelpCommand.class,
    })
public final class LedgerCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(),
        "missing subcommand: try `arbiter ledger verify --help` or `arbiter ledger help`");
  }
}
