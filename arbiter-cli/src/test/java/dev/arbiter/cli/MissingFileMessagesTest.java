package dev.arbiter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file that is not there is named as such (exit 2), not as the path twice or an exception's class name. */
class MissingFileMessagesTest {
  @TempDir Path dir;

  @Test
  void everyCommand_saysNoSuchFile() {
    String nope = dir.resolve("nope").toString();
    String[][] commands = {
        {"decide", "--bundle", "../examples/policy", "--request", nope + ".json"},
        {"serve", "--data-dir", dir.resolve("data").toString(), "--signed-bundle", nope + ".signed", "--policy-key", nope + ".pub",
            "--port", "0"},
        {"sample-tool", "--name", "deployer", "--port", "0", "--log", dir.resolve("log.jsonl").toString(),
            "--engine-key", nope + ".pub", "--ledger-key", nope + ".pub", "--gateway-key", nope + ".pub"},
        {"keys", "enrol", "--engine", "http://127.0.0.1:9", "--token", "t.t.t", "--key", nope + ".pub"},
        {"policy", "build", "../examples/policy", "--sign", nope + ".key", "--out", dir.resolve("b.signed").toString()},
    };
    for (String[] c : commands) {
      CliRun r = CliRun.of(c);
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
      assertThat(r.err()).as(String.join(" ", c)).contains("no such file").doesNotContain("NoSuchFileException");
    }
  }
}
