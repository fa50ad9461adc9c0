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
    })
public final class LedgerCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
