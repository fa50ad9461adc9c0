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

  /**
   * An endless or huge input file is refused at its limit (exit 2), not read whole: {@code /dev/zero}
   * (whose size reads as 0) and a sparse 3 GB file ended in an OutOfMemoryError (black-box run).
   */
  @Test
  void anEndlessOrHugeInputFile_isRefusedAtItsLimit() throws Exception {
    Path sparse = dir.resolve("huge.json");
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(sparse.toFile(), "rw")) {
      f.setLength(3L * 1024 * 1024 * 1024);
    }
    String[][] commands = {
        {"decide", "--bundle", "../examples/policy", "--request", "/dev/zero"},
        {"decide", "--bundle", "../examples/policy", "--request", sparse.toString()},
        {"decisions", "list", "--pending", "--engine", "http://127.0.0.1:9", "--token-file", "/dev/zero"},
        {"agent", "--engine", "http://127.0.0.1:9", "--gateway", "http://127.0.0.1:9", "--token-file", "/dev/zero",
            "--request", "/dev/zero"},
    };
    for (String[] c : commands) {
      CliRun r = CliRun.of(c);
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
      assertThat(r.err()).as(String.join(" ", c)).contains("larger than").doesNotContain("Exception").doesNotContain("Error");
    }
    CliRun cases = CliRun.of("policy", "test", "../examples/policy", "--cases", "/dev/zero");
    assertThat(cases.exitCode()).as(cases.toString()).isIn(1, 2);
    assertThat(cases.err()).contains("larger than").doesNotContain("OutOfMemoryError");
  }

  /** A .pub given where the private key goes: said so, not "chmod 600" on a file that is meant to be readable. */
  @Test
  void aPublicKeyGivenAsThePrivateKey_isNamedAsSuch() {
    assertThat(CliRun.of("keys", "generate", "--out", dir.resolve("k").toString(), "--name", "alice").exitCode()).isZero();
    CliRun r = CliRun.of("approve", "--engine", "http://127.0.0.1:9", "--token", "t.t.t", "--decision",
        "dec_01JDX" + "0".repeat(21), "--key", dir.resolve("k/alice.pub").toString(), "--rationale", "x", "--yes");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("is a public key").doesNotContain("chmod");
  }
}
