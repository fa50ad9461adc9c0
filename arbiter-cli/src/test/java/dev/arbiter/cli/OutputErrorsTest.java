package dev.arbiter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Output that cannot be written is a failure, not a success with an empty file: the CLI runs as a
 * real process with its stdout on {@code /dev/full} (every write fails with ENOSPC). Black-box run:
 * {@code ledger prove ... > file} on a full disk exited 0 and left an empty file.
 */
class OutputErrorsTest {
  @TempDir Path dir;

  @Test
  void stdoutOnAFullDevice_exitsThree_andSaysSo() throws Exception {
    for (List<String> args : List.of(List.of("--help"), List.of("--version"), List.of("keys", "generate", "--help"))) {
      Path err = dir.resolve("err.txt");
      List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), "dev.arbiter.cli.Arbiter"));
      command.addAll(args);
      Process p = new ProcessBuilder(command).redirectOutput(new File("/dev/full")).redirectError(err.toFile()).start();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as("%s: %s", args, Files.readString(err)).isEqualTo(3);
      assertThat(Files.readString(err)).contains("the output could not be written").doesNotContain("Exception");
    }
  }
}
