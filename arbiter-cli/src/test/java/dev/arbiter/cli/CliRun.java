package dev.arbiter.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;

/** Runs the real CLI in-process and captures its exit code, stdout and stderr. */
public record CliRun(int exitCode, String out, String err) {
  public static CliRun of(String... args) {
    CommandLine cli = Arbiter.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new CliRun(code, out.toString(), err.toString());
  }

  public List<String> outLines() {
    return Arrays.stream(out.split("\n")).filter(l -> !l.isBlank()).toList();
  }

  public String lastOutLine() {
    List<String> lines = outLines();
    return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
  }
}
