package dev.arbiter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./arbiter} launcher hands the JVM a default SIGINT even when it was started where SIGINT
 * is ignored (a background command of a shell without job control, e.g. {@code ./arbiter quickstart &}
 * in a script). A JVM keeps an inherited ignored SIGINT ignored, and the quickstart would then not stop
 * on {@code kill -INT}. The launcher runs here for real, in a copy of the repository's layout, with a
 * stand-in JDK whose {@code java} reports the signals it ignores.
 */
class LauncherSignalTest {
  private static final long SIGINT_BIT = 1L << (2 - 1);

  @TempDir Path dir;

  @Test
  void backgroundLaunch_givesTheJvmADefaultSigint() throws Exception {
    Path repo = dir.resolve("repo");
    Files.createDirectories(repo.resolve("arbiter-cli/target"));
    Files.copy(Path.of("..", "arbiter"), repo.resolve("arbiter"));
    Files.writeString(repo.resolve("arbiter-cli/target/arbiter.jar"), "stand-in"); // present and not stale
    Path jdk = dir.resolve("jdk");
    Files.createDirectories(jdk.resolve("bin"));
    Path report = dir.resolve("sigign.txt");
    script(jdk.resolve("bin/javac"), "exit 0");
    script(jdk.resolve("bin/java"), """
        for a in "$@"; do
          if [ "$a" = "-version" ]; then echo '    java.specification.version = 21' >&2; exit 0; fi
        done
        grep '^SigIgn:' /proc/self/status > "$ARBITER_TEST_REPORT"
        """);

    runInBackground("grep '^SigIgn:' /proc/self/status > \"$ARBITER_TEST_REPORT\"", jdk, report);
    long ignoredInControl = ignoredSignals(report);
    assertThat(ignoredInControl & SIGINT_BIT).as("the shell's background command itself ignores SIGINT").isNotZero();

    runInBackground("'" + repo.resolve("arbiter") + "' quickstart", jdk, report);
    long ignoredByJava = ignoredSignals(report);
    assertThat(ignoredByJava & SIGINT_BIT).as("java as the launcher starts it must not ignore SIGINT").isZero();
  }

  private static void runInBackground(String command, Path jdk, Path report) throws Exception {
    Files.deleteIfExists(report);
    // bash -c without job control: `&` starts the command with SIGINT and SIGQUIT ignored.
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", command + " & wait $!");
    pb.environment().put("JAVA_HOME", jdk.toString());
    pb.environment().put("ARBITER_TEST_REPORT", report.toString());
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }

  private static long ignoredSignals(Path report) throws Exception {
    String line = Files.readString(report).strip();
    assertThat(line).startsWith("SigIgn:");
    return Long.parseUnsignedLong(line.substring("SigIgn:".length()).strip(), 16);
  }

  private static void script(Path file, String body) throws Exception {
    Files.writeString(file, "#!/usr/bin/env bash\n" + body + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
  }
}
