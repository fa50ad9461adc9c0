package dev.arbiter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.policy.PolicyBundle;
import dev.arbiter.core.policy.PolicyBundles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyCommandTest {
  private static final String EXAMPLE = "../examples/policy";

  @TempDir Path dir;

  @Test
  void check_whenClean_exits0WithSummary() {
    CliCapture r = CliCapture.run("policy", "check", EXAMPLE);

    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).matches("ok: \\d+ gates, \\d+ risk factors, \\d+ authority routes, version 2026\\.11\\.0, sha256:[0-9a-f]{64}\\n");
  }

  @Test
  void check_whenPolicyErrors_exits1WithRenderedDiagnostics() throws Exception {
    Files.writeString(dir.resolve("bundle.yaml"), "version: \"1\"\nclasses: {read: {tools: [\"*\"]}}\n");
    Files.writeString(dir.resolve("gates.yaml"), "gates:\n  - {id: g, when: risk.scroe > 0.5, effect: deny, reason: r}\n");

    CliCapture r = CliCapture.run("policy", "check", dir.toString());

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err())
        .contains("error: unknown field `risk.scroe`\n  --> gates.yaml:2:19: gate `g`, `when` at 1:1\n")
        .contains("= hint: did you mean `risk.score`?")
        .contains("1 policy error");
  }

  @Test
  void check_whenNumbersAreNotFiniteOrTtlOverflows_exits1WithDiagnosticsNotInternalError() throws Exception {
    Files.writeString(dir.resolve("bundle.yaml"),
        "version: \"1\"\nclasses: {read: {tools: [\"*\"]}}\nttls: {approval: 999999999999999999d}\n");
    Files.writeString(dir.resolve("risk.yaml"), "factors:\n  - {id: f, when: \"true\", weight: .nan, reason: r}\n");

    CliCapture r = CliCapture.run("policy", "check", dir.toString());

    assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
    assertThat(r.err())
        .contains("error: `999999999999999999d` is longer than the maximum of 365 days")
        .contains("error: `weight` must be a finite decimal number, found `.nan`")
        .doesNotContain("internal error");
  }

  @Test
  void check_whenVersionCarriesALineBreak_exits1AndPrintsNoForgedLine() throws Exception {
    Files.writeString(dir.resolve("bundle.yaml"),
        "version: \"t.1\\nINFO policy.activated recorded for 2026.11.0\"\nclasses: {read: {tools: [\"*\"]}}\n");

    CliCapture r = CliCapture.run("policy", "check", dir.toString());

    assertThat(r.exitCode()).as(r.out()).isEqualTo(1);
    assertThat(r.err()).contains("error: `version` must be a plain identifier, found \"t.1\\u000aINFO policy.activated");
    assertThat((r.out() + r.err()).lines()).noneMatch(line -> line.startsWith("INFO"));
  }

  @Test
  void check_whenABundleFileIsMisnamed_exits2InsteadOfLoadingWithoutIt() throws Exception {
    Files.writeString(dir.resolve("bundle.yaml"), "version: \"1\"\nclasses: {read: {tools: [\"*\"]}}\n");
    Files.writeString(dir.resolve("risk.yml"), "factors:\n  - {id: f, when: \"true\", weight: 0.5, reason: r}\n");

    CliCapture r = CliCapture.run("policy", "check", dir.toString());

    assertThat(r.exitCode()).as(r.out()).isEqualTo(2);
    assertThat(r.err()).contains("`risk.yml`, which is not a bundle file: did you mean `risk.yaml`?");
  }

  @Test
  void check_whenUnreadableOrMalformed_exits2() throws Exception {
    assertThat(CliCapture.run("policy", "check", dir.resolve("nope").toString()).exitCode()).isEqualTo(2);
    Files.writeString(dir.resolve("bundle.yaml"), "version: [\n");
    assertThat(CliCapture.run("policy", "check", dir.toString()).exitCode()).isEqualTo(2);
  }

  @Test
  void test_whenExampleCases_allPass() {
    CliCapture r = CliCapture.run("policy", "test", EXAMPLE, "--cases", EXAMPLE + "/cases.yaml");

    assertThat(r.exitCode()).as(r.out()).isZero();
    assertThat(r.out()).doesNotContain("FAIL").contains(" 0 failed");
  }

  @Test
  void test_whenCaseFails_exits1AndPrintsDiff() throws Exception {
    Path cases = dir.resolve("cases.yaml");
    Files.writeString(cases, """
        cases:
          - name: notify expected to be denied
            request:
              action: {class: notify, tool: slack, intent: hi, target: {type: channel, id: c}, payload: {}}
              context: {actor: {id: bot}, environment: dev, reversible: true}
            expect: {outcome: deny}
        """);

    CliCapture r = CliCapture.run("policy", "test", EXAMPLE, "--cases", cases.toString());

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.out()).contains("FAIL  notify expected to be denied\n    outcome\n      - expected: deny\n      + actual:   allow\n");
    assertThat(r.err()).contains("1 of 1 policy cases failed");
  }

  @Test
  void build_writesSignedBundleThatLoadsWithTheKey() throws Exception {
    SigningKey key = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
    Path pem = dir.resolve("policy.pem");
    Files.writeString(pem, key.exportPkcs8PemDangerously());
    Path out = dir.resolve("bundle.signed.json");

    CliCapture r = CliCapture.run("policy", "build", EXAMPLE, "--sign", pem.toString(), "--out", out.toString());

    assertThat(r.exitCode()).as(r.err()).isZero();
    PolicyBundle loaded = PolicyBundles.loadSigned(out, Set.of(key.verifyingKey()));
    assertThat(r.out()).startsWith("built " + loaded.hash() + " (version 2026.11.0), signed by " + key.keyId());
    // Read by the engine, which may run as another user (review: the atomic write made it 0600).
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rw-r--r--");
    Files.setPosixFilePermissions(out, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
    assertThat(CliCapture.run("policy", "build", EXAMPLE, "--sign", pem.toString(), "--out", out.toString()).exitCode()).isZero();
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(out)))
        .as("a rebuilt bundle keeps the mode its file had").isEqualTo("rw-r-----");
  }

  /** Black-box run: --out naming a directory or a device exited 3 with a Java exception's name, or left a 0-byte file. */
  @Test
  void build_toAPathThatCannotBeAFile_exits2_andLeavesNothing() throws Exception {
    SigningKey key = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
    Path pem = dir.resolve("policy.pem");
    Files.writeString(pem, key.exportPkcs8PemDangerously());
    Path aDirectory = Files.createDirectories(dir.resolve("outdir"));
    for (String out : new String[] {aDirectory.toString(), "/dev/full", "/proc/arbiter/b.signed"}) {
      CliCapture r = CliCapture.run("policy", "build", EXAMPLE, "--sign", pem.toString(), "--out", out);
      assertThat(r.exitCode()).as("%s: %s", out, r.err()).isEqualTo(2);
      assertThat(r.err()).contains("--out").doesNotContain("Exception");
    }
    try (var left = Files.list(aDirectory)) {
      assertThat(left).isEmpty();
    }
    try (var left = Files.list(dir)) {
      assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("policy.pem", "outdir");
    }
  }

  @Test
  void build_whenKeyUnreadable_exits2() throws Exception {
    Path pem = dir.resolve("policy.pem");
    Files.writeString(pem, "not a key");

    CliCapture r = CliCapture.run("policy", "build", EXAMPLE, "--sign", pem.toString(), "--out", dir.resolve("o").toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(Files.exists(dir.resolve("o"))).isFalse();
  }
}
