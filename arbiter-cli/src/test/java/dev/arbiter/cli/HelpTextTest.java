package dev.arbiter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class HelpTextTest {

  /**
   * Every command's description is written as lines; `--help` must print each one whole, as
   * written. At picocli's default width of 80 it re-wrapped the longer ones and left half-lines.
   */
  @Test
  void everyCommandsHelp_printsItsDescriptionLinesAsWritten() {
    List<CommandLine> all = new ArrayList<>();
    collect(Arbiter.commandLine(), all);
    assertThat(all).hasSizeGreaterThan(10);
    for (CommandLine c : all) {
      String usage = c.getUsageMessage(CommandLine.Help.Ansi.OFF);
      for (String line : c.getCommandSpec().usageMessage().description()) {
        if (line.contains("%") || line.contains("${")) {
          continue; // formatted by picocli, not printed verbatim
        }
        assertThat(usage).as("`arbiter %s --help`", c.getCommandSpec().qualifiedName(" ")).contains(line);
      }
    }
  }

  /** `arbiter --help` lists each command with one line: a whole sentence, not a description cut mid-way. */
  @Test
  void theCommandList_showsWholeSentences() {
    for (CommandLine sub : Arbiter.commandLine().getSubcommands().values()) {
      var usage = sub.getCommandSpec().usageMessage();
      String summary = usage.header().length > 0 ? usage.header()[0] : usage.description()[0];
      assertThat(summary).as("`arbiter %s`", sub.getCommandName()).endsWith(".");
    }
  }

  @Test
  void everyCommandsVersion_namesArbiter() {
    List<CommandLine> all = new ArrayList<>();
    collect(Arbiter.commandLine(), all);
    for (CommandLine c : all) {
      if (c.getCommand() instanceof CommandLine.HelpCommand) {
        continue;
      }
      List<String> path = new ArrayList<>(List.of(c.getCommandSpec().qualifiedName(" ").split(" ")));
      path.remove(0); // "arbiter"
      path.add("--version");
      CliRun r = CliRun.of(path.toArray(String[]::new));
      assertThat(r.exitCode()).as(r.toString()).isZero();
      assertThat(r.out()).as("`arbiter %s`", String.join(" ", path)).startsWith("arbiter ");
    }
  }

  @Test
  void aGroupWithoutItsSubcommand_isAUsageError() {
    for (String group : new String[] {"keys", "policy", "decisions", "ledger"}) {
      CliRun r = CliRun.of(group);
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
      assertThat(r.err()).contains("missing subcommand");
    }
  }

  @Test
  void ledgerHelp_ofASubcommand_printsItsUsage() {
    CliRun r = CliRun.of("ledger", "help", "verify");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("--trusted-checkpoint");
  }

  private static void collect(CommandLine c, List<CommandLine> into) {
    into.add(c);
    for (CommandLine sub : c.getSubcommands().values()) {
      if (!into.contains(sub)) {
        collect(sub, into);
      }
    }
  }
}
