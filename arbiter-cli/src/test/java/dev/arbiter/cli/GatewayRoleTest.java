package dev.arbiter.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway role's small parts; the whole role runs as a process in {@link EndToEndTest}. */
class GatewayRoleTest {
  @TempDir Path dir;

  @Test
  void engineToken_isReReadOnEveryUse_soItCanBeRotatedInPlace() throws Exception {
    Path f = Files.writeString(dir.resolve("gw.token"), "first.token.value\n");
    Supplier<String> token = GatewayRole.tokenSource(f);
    assertThat(token.get()).isEqualTo("first.token.value");

    Files.writeString(f, "rotated.token.value");
    assertThat(token.get()).isEqualTo("rotated.token.value");
  }

  @Test
  void engineToken_unusableAtStart_isBadInput_andNeverShown() throws Exception {
    Path f = Files.writeString(dir.resolve("gw.token"), "not a token\n");
    assertThatThrownBy(() -> GatewayRole.tokenSource(f)).isInstanceOf(CliFailure.class)
        .satisfies(e -> assertThat(((CliFailure) e).exitCode()).isEqualTo(ExitCodes.BAD_INPUT))
        .hasMessageNotContaining("not a token");
    assertThatThrownBy(() -> GatewayRole.tokenSource(dir.resolve("missing"))).isInstanceOf(CliFailure.class);
  }

  /** Black-box run: such a gateway started, never sent the credentials, and printed the password on stderr. */
  @Test
  @org.junit.jupiter.api.Timeout(30) // without the check the gateway starts and serves until interrupted
  void anUpstreamWithCredentials_isRefusedAtStart_exit2_withoutShowingThePassword() throws Exception {
    Path keys = Files.createDirectories(dir.resolve("keys"));
    for (String name : new String[] {"engine", "ledger", "gateway"}) {
      var key = dev.arbiter.core.crypto.SigningKey.generate(dev.arbiter.core.crypto.KeyAlgorithm.ED25519,
          new java.security.SecureRandom());
      Files.writeString(keys.resolve(name + ".pub"), key.verifyingKey().toSpkiPem());
      Files.writeString(keys.resolve(name + ".key"), key.exportPkcs8PemDangerously());
      Files.setPosixFilePermissions(keys.resolve(name + ".key"),
          java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }
    Path config = Files.writeString(dir.resolve("gateway.yaml"), """
        listen: {host: 127.0.0.1, port: 0}
        engine_keys: [keys/engine.pub]
        ledger_key: keys/ledger.pub
        gateway_key: keys/gateway.key
        burn_store: data/burned.db
        tools:
          - name: deployer
            upstream: "http://admin:S3cretPassw0rd@127.0.0.1:22031/execute"
            allowed_classes: [deploy]
            timeout_ms: 5000
        """);
    Path token = Files.writeString(dir.resolve("gw.token"), "abc.def.ghi");

    CliRun r = CliRun.of("serve", "--role", "gateway", "--gateway-config", config.toString(),
        "--engine", "http://127.0.0.1:1", "--engine-token-file", token.toString());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err()).contains("tools[0]").contains("must not carry credentials").contains("http://***@127.0.0.1:22031/execute")
        .doesNotContain("S3cretPassw0rd").doesNotContain("listening");
    assertThat(r.out()).doesNotContain("S3cretPassw0rd");
    assertThat(dir.resolve("data")).as("nothing opened").doesNotExist();
  }

  @Test
  void sampleTool_refusesAFileThatIsNotAPublicKey_exit2() throws Exception {
    Path notAKey = Files.writeString(dir.resolve("engine.pub"), "hello\n");
    CliRun r = CliRun.of("sample-tool", "--port", "0", "--log", dir.resolve("log.jsonl").toString(),
        "--engine-key", notAKey.toString(), "--ledger-key", notAKey.toString(), "--gateway-key", notAKey.toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("--engine-key");
  }

  @Test
  void serveHelp_describesTheGatewayRole() {
    CliRun r = CliRun.of("serve", "--help");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("--role gateway").contains("--gateway-config").contains("--engine-token-file");
  }
}
