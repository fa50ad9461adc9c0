package dev.arbiter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** {@code arbiter quickstart} as a real process in a test directory, ready once its quickstart.json is written. */
final class QuickstartProcess implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  final Process process;
  final Path file;
  final JsonNode json;

  private QuickstartProcess(Process process, Path file, JsonNode json) {
    this.process = process;
    this.file = file;
    this.json = json;
  }

  /** Starts it in {@code dir/qs} on free ports (output in {@code dir/qs.out}, {@code dir/qs.err}) and waits until ready. */
  static QuickstartProcess start(Path dir) throws Exception {
    Path qsDir = dir.resolve("qs");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        "dev.arbiter.cli.Arbiter", "quickstart", "--dir", qsDir.toString(), "--port-base",
        Integer.toString(PortBlock.freeBase(4)), "--bundle", "../examples/policy", "--examples", "../examples/requests")
        .redirectOutput(dir.resolve("qs.out").toFile()).redirectError(dir.resolve("qs.err").toFile()).start();
    Path file = qsDir.resolve("quickstart.json");
    for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); System.nanoTime() < deadline && p.isAlive(); ) {
      if (Files.exists(file)) {
        return new QuickstartProcess(p, file, JSON.readTree(file.toFile()));
      }
      Thread.sleep(50);
    }
    p.destroyForcibly();
    throw new AssertionError("quickstart did not become ready:\n" + Files.readString(dir.resolve("qs.err")));
  }

  /** SIGTERM, and it must stop. */
  @Override
  public void close() throws Exception {
    process.destroy();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
  }
}
