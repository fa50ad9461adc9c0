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
