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

  private static void collect(CommandLine c, List<CommandLine> into) {
    into.add(c);
    for (CommandLine sub : c.getSubcommands().values()) {
      if (!into.contains(sub)) {
        collect(sub, into);
      }
    }
  }
}
