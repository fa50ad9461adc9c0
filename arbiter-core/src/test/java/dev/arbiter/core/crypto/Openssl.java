package dev.arbiter.core.crypto;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the system {@code openssl} for interoperability tests; skips the test if it is absent. */
final class Openssl {
  static final Path BINARY = Path.of("/usr/bin/openssl");

  record Result(int exitCode, byte[] stdout, String stderr) {}

  private Openssl() {}

  static void assumeAvailable() {
    assumeTrue(Files.isExecutable(BINARY), "openssl is not installed at /usr/bin/openssl");
  }

  static Result run(String... args) throws IOException, InterruptedException {
    return runShell(null, args);
  }

  /** Runs {@code openssl args...}; {@code shell} non-null runs {@code sh -c shell} instead. */
  static Result runShell(String shell, String... args) throws IOException, InterruptedException {
    List<String> command =
        shell != null ? List.of("sh", "-c", shell) : concat(BINARY.toString(), args);
    Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
    byte[] out = p.getInputStream().readAllBytes();
    String err = new String(p.getErrorStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("openssl timed out: " + command);
    }
    return new Result(p.exitValue(), out, err);
  }

  /** Runs and requires exit code 0; returns stdout. */
  static byte[] ok(String... args) throws IOException, InterruptedException {
    Result r = run(args);
    if (r.exitCode() != 0) {
      throw new AssertionError("openssl " + String.join(" ", args) + " failed (" + r.exitCode() + "): " + r.stderr());
    }
    return r.stdout();
  }

  static byte[] shellOk(String shell) throws IOException, InterruptedException {
    Result r = runShell(shell);
    if (r.exitCode() != 0) {
      throw new AssertionError(shell + " failed (" + r.exitCode() + "): " + r.stderr());
    }
    return r.stdout();
  }

  private static List<String> concat(String first, String... rest) {
    java.util.ArrayList<String> all = new java.util.ArrayList<>();
    all.add(first);
    all.addAll(List.of(rest));
    return all;
  }
}
