package dev.arbiter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.crypto.VerifyingKey;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class KeysCommandTest {
  @TempDir Path tmp;

  private record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cli = Arbiter.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void generate_writesKeyPairWithModesThatParseBack(KeyAlgorithm alg) throws Exception {
    Path dir = tmp.resolve("new/keys");
    Run r = run("keys", "generate", "--out", dir.toString(), "--name", "alice", "--alg", alg.wireName());

    assertThat(r.exitCode()).as(r.err()).isZero();
    Path keyFile = dir.resolve("alice.key");
    Path pubFile = dir.resolve("alice.pub");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pubFile))).isEqualTo("rw-r--r--");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");

    SigningKey key = SigningKey.load(keyFile);
    VerifyingKey pub = VerifyingKey.load(pubFile);
    assertThat(key.algorithm()).isEqualTo(alg);
    assertThat(pub).isEqualTo(key.verifyingKey());
    pub.verify(new byte[] {1, 2, 3}, key.sign(new byte[] {1, 2, 3}));
    assertThat(r.out())
        .contains(key.keyId().value())
        .contains(keyFile.toString())
        .contains(pubFile.toString())
        .doesNotContain("PRIVATE KEY");
  }

  @Test
  void generate_defaultsToEd25519_viaArbiterRun() throws Exception {
    assertThat(Arbiter.run("keys", "generate", "--out", tmp.toString(), "--name", "engine")).isZero();
    assertThat(SigningKey.load(tmp.resolve("engine.key")).algorithm()).isEqualTo(KeyAlgorithm.ED25519);
  }

  /** Black-box run: an unwritable --out exited 3 with "java.io.IOException" in its message. */
  @Test
  void generate_intoAPlaceThatCannotHoldKeys_exits2_inWords() {
    CliRun r = CliRun.of("keys", "generate", "--out", "/proc/arbiter-keys", "--name", "k");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("cannot create directory /proc/arbiter-keys").doesNotContain("Exception");
  }

  @Test
  void generate_refusesToOverwrite_unlessForced() throws Exception {
    assertThat(Arbiter.run("keys", "generate", "--out", tmp.toString(), "--name", "k")).isZero();
    String before = Files.readString(tmp.resolve("k.key"));

    Run again = run("keys", "generate", "--out", tmp.toString(), "--name", "k");
    assertThat(again.exitCode()).isEqualTo(2);
    assertThat(again.err()).contains("already exists").contains("--force");
    assertThat(Files.readString(tmp.resolve("k.key"))).isEqualTo(before);

    Run forced = run("keys", "generate", "--out", tmp.toString(), "--name", "k", "--force", "--alg", "ecdsa-p256");
    assertThat(forced.exitCode()).as(forced.err()).isZero();
    assertThat(Files.readString(tmp.resolve("k.key"))).isNotEqualTo(before);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("k.key")))).isEqualTo("rw-------");
    SigningKey replaced = SigningKey.load(tmp.resolve("k.key"));
    assertThat(replaced.algorithm()).isEqualTo(KeyAlgorithm.ECDSA_P256);
    assertThat(VerifyingKey.load(tmp.resolve("k.pub"))).isEqualTo(replaced.verifyingKey());
    try (var files = Files.list(tmp)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("k.key", "k.pub");
    }
  }

  @Test
  void generate_refusesWhenOnlyThePublicHalfExists() throws Exception {
    Files.writeString(tmp.resolve("k.pub"), "existing");
    assertThat(Arbiter.run("keys", "generate", "--out", tmp.toString(), "--name", "k")).isEqualTo(2);
    assertThat(tmp.resolve("k.key")).doesNotExist();
    assertThat(Files.readString(tmp.resolve("k.pub"))).isEqualTo("existing");
  }

  @Test
  void generate_badAlgorithm_exits2AndListsAccepted() {
    Run r = run("keys", "generate", "--out", tmp.toString(), "--name", "k", "--alg", "rsa");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("ed25519").contains("ecdsa-p256");
    assertThat(tmp.resolve("k.key")).doesNotExist();
  }

  @ParameterizedTest
  @ValueSource(strings = {"../evil", "a/b", "", "..", "bad name", "k\\x", "ключ"})
  void generate_badName_exits2(String name) {
    Run r = run("keys", "generate", "--out", tmp.toString(), "--name", name);
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--name");
  }

  @Test
  void generate_missingOptions_exit2() {
    assertThat(Arbiter.run("keys", "generate", "--name", "k")).isEqualTo(2);
    assertThat(Arbiter.run("keys", "generate", "--out", tmp.toString())).isEqualTo(2);
    assertThat(Arbiter.run("keys")).isEqualTo(2);
  }

  @Test
  void generate_outIsAFile_exits2() throws Exception {
    Path file = Files.writeString(tmp.resolve("file"), "x");
    assertThat(run("keys", "generate", "--out", file.toString(), "--name", "k").exitCode()).isEqualTo(2);
  }

  @Test
  void generate_help_describesTheContract() {
    Run r = run("keys", "generate", "--help");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("--out").contains("--name").contains("--alg").contains("--force").contains("0600").contains("ecdsa-p256");
  }
}
