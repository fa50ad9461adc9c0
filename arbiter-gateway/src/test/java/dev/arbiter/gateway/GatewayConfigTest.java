package dev.arbiter.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.gateway.execution.EngineExecutionRecorder;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayConfigTest {
  @TempDir Path dir;
  final EngineExecutionRecorder recorder = new EngineExecutionRecorder(URI.create("http://127.0.0.1:1"), () -> "t", Duration.ofSeconds(1));

  @AfterEach
  void closeRecorder() {
    recorder.close();
  }

  @BeforeEach
  void keys() throws Exception {
    Files.createDirectories(dir.resolve("keys"));
    Files.writeString(dir.resolve("keys/engine.pub.pem"), GovernedWorld.newKey().verifyingKey().toSpkiPem());
    Files.writeString(dir.resolve("keys/ledger.pub.pem"), GovernedWorld.newKey().verifyingKey().toSpkiPem());
    Files.writeString(dir.resolve("keys/gateway.key.pem"), GovernedWorld.newKey().exportPkcs8PemDangerously());
    Files.setPosixFilePermissions(dir.resolve("keys/gateway.key.pem"),
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
  }

  Path write(String yaml) throws Exception {
    Path f = dir.resolve("gateway.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  static final String VALID = """
      listen: {host: 127.0.0.1, port: 8081}
      engine_keys: [keys/engine.pub.pem]
      ledger_key: keys/ledger.pub.pem
      gateway_key: keys/gateway.key.pem
      burn_store: data/burned.db
      tools:
        - name: deployer
          upstream: http://127.0.0.1:9001/execute
          allowed_classes: [deploy, rollback]
          timeout_ms: 5000
      """;

  @Test
  void load_readsTheFile_resolvingPathsAgainstItsDirectory() throws Exception {
    GatewayConfig c = GatewayConfig.load(write(VALID), recorder);

    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.port()).isEqualTo(8081);
    assertThat(c.burnStore()).isEqualTo(dir.resolve("data/burned.db"));
    assertThat(c.trustedEngineKeys()).hasSize(1);
    assertThat(c.skew()).isEqualTo(GatewayConfig.DEFAULT_SKEW);
    ToolRoute t = c.toolsByName().get("deployer");
    assertThat(t.upstream()).isEqualTo(URI.create("http://127.0.0.1:9001/execute"));
    assertThat(t.upstreamPath()).isEqualTo("/execute");
    assertThat(t.allowedClasses()).isEqualTo(Set.of("deploy", "rollback"));
    assertThat(t.timeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(t.environments()).as("no environments: grants of any").isEmpty();
  }

  @Test
  void load_readsTheEnvironmentsARouteIsPinnedTo() throws Exception {
    GatewayConfig c = GatewayConfig.load(write(VALID.replace("timeout_ms: 5000", "timeout_ms: 5000\n    environments: [production]")),
        recorder);
    assertThat(c.toolsByName().get("deployer").environments()).isEqualTo(Set.of("production"));

    assertError(VALID.replace("timeout_ms: 5000", "timeout_ms: 5000\n    environments: [prod]"), "environments must be among");
    assertError(VALID.replace("timeout_ms: 5000", "timeout_ms: 5000\n    environments: []"), "environments: expected a non-empty list");
  }

  @Test
  void noTools_orAFileThatIsNotYaml_isRefusedClearly() throws Exception {
    assertError(VALID.substring(0, VALID.indexOf("tools:")) + "tools: []\n", "non-empty list");
    assertError("{{{", "not valid YAML at line 1");
    Path f = write("{{{");
    assertThatThrownBy(() -> GatewayConfig.load(f, recorder)).hasMessageNotContaining("snakeyaml").hasMessageNotContaining("Event");
  }

  /** Grants and proofs are JWS EdDSA: a P-256 engine key would make a gateway that refuses every grant. */
  @Test
  void anEngineKeyThatIsNotEd25519_isRefused() throws Exception {
    Files.writeString(dir.resolve("keys/ec.pub.pem"), dev.arbiter.core.crypto.SigningKey.generate(
        dev.arbiter.core.crypto.KeyAlgorithm.ECDSA_P256, new java.security.SecureRandom()).verifyingKey().toSpkiPem());
    assertError(VALID.replace("engine_keys: [keys/engine.pub.pem]", "engine_keys: [keys/ec.pub.pem]"), "must be Ed25519");
  }

  /** The example in the README is a configuration the gateway reads as documented. */
  @Test
  void theReadmesExample_loads() throws Exception {
    List<String> readme = Files.readAllLines(Path.of("../README.md"));
    int start = readme.indexOf(readme.stream().filter(l -> l.startsWith("# gateway.yaml")).findFirst().orElseThrow());
    StringBuilder yaml = new StringBuilder();
    for (int i = start + 1; i < readme.size() && readme.get(i).startsWith("#   "); i++) {
      yaml.append(readme.get(i).substring(4)).append('\n');
    }
    Files.copy(dir.resolve("keys/engine.pub.pem"), dir.resolve("keys/engine.pub"));
    Files.copy(dir.resolve("keys/ledger.pub.pem"), dir.resolve("keys/ledger.pub"));
    Files.copy(dir.resolve("keys/gateway.key.pem"), dir.resolve("keys/gateway.key"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);

    GatewayConfig c = GatewayConfig.load(write(yaml.toString()), recorder);

    assertThat(c.port()).isEqualTo(8081);
    ToolRoute deployer = c.toolsByName().get("deployer");
    assertThat(deployer.environments()).isEqualTo(Set.of("production"));
    assertThat(deployer.allowedClasses()).isEqualTo(Set.of("deploy"));
    assertThat(c.burnStore()).isEqualTo(dir.resolve("data/gateway-burned.db"));
  }

  @Test
  void load_readsJsonToo() throws Exception {
    Path f = dir.resolve("gateway.json");
    Files.writeString(f, """
        {"listen": {"port": 0}, "engine_keys": ["keys/engine.pub.pem"], "ledger_key": "keys/ledger.pub.pem",
         "gateway_key": "keys/gateway.key.pem", "burn_store": "b.db", "skew_seconds": 5,
         "tools": [{"name": "deployer", "upstream": "https://tool.internal/run", "allowed_classes": ["deploy"], "timeout_ms": 100}]}
        """);
    GatewayConfig c = GatewayConfig.load(f, recorder);
    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.skew()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void load_refusesBadFiles_namingTheField() throws Exception {
    assertError(VALID.replace("burn_store", "burn_stor"), "burn_stor: unknown field");
    assertError(VALID.replace("burn_store: data/burned.db\n", ""), "burn_store: required");
    assertError(VALID.replace("timeout_ms: 5000", "timeout_ms: -1"), "tools[0].timeout_ms: expected an integer");
    assertError(VALID.replace("timeout_ms: 5000", "timeout_ms: 18446744073709556616"), "tools[0].timeout_ms: expected an integer");
    assertError(VALID.replace("timeout_ms: 5000", "timeout_ms: 5000.5"), "tools[0].timeout_ms: expected an integer");
    assertError(VALID.replace("http://127.0.0.1:9001/execute", "ftp://x/y"), "upstream must be an absolute http(s) URL");
    assertError(VALID.replace("allowed_classes: [deploy, rollback]", "allowed_classes: []"), "allowed_classes must name at least one");
    assertError(VALID.replace("keys/engine.pub.pem", "keys/missing.pem"), "engine_keys[0]:");
    assertError(VALID.replace("gateway_key: keys/gateway.key.pem", "gateway_key: keys/ledger.pub.pem"), "gateway_key:");
    assertError(VALID.replace("port: 8081", "port: 70000"), "listen.port");
    assertError(VALID + "  - name: deployer\n    upstream: http://h/x\n    allowed_classes: [a]\n    timeout_ms: 5\n",
        "configured twice");
    assertError("listen: {port: 1}\nlisten: {port: 2}\n", "gateway.yaml");
  }

  /**
   * Credentials in an upstream URL were accepted, never sent, and printed at start (black-box run).
   * Refused, and no error repeats the password, whichever check the URL fails.
   */
  @Test
  void anUpstreamWithCredentials_isRefused_withoutRepeatingThePassword() throws Exception {
    String url = "http://127.0.0.1:9001/execute";
    assertSecretNotShown(VALID.replace(url, "http://admin:S3cretPassw0rd@127.0.0.1:9001/execute"), "must not carry credentials");
    assertSecretNotShown(VALID.replace(url, "https://S3cretPassw0rd@tool.internal/run"), "must not carry credentials");
    assertSecretNotShown(VALID.replace(url, "http://admin:S3cretPassw0rd@127.0.0.1:x/execute"), "must not carry credentials");
    assertSecretNotShown(VALID.replace(url, "ftp://admin:S3cretPassw0rd@127.0.0.1/execute"), "must not carry credentials");
    assertSecretNotShown(VALID.replace(url, "http:admin:S3cretPassw0rd@127.0.0.1"), "upstream must be an absolute http(s) URL");
    assertSecretNotShown(VALID.replace(url, "http://admin:S3cret/Passw0rd@127.0.0.1/x"), "upstream must be an absolute http(s) URL");
    assertSecretNotShown(VALID.replace(url, "\"http://admin:S3cret Passw0rd@127.0.0.1/x\""), "upstream: not a URL");
    assertThat(ToolRoute.withoutUserInfo("http://admin:pw@h:1/x")).isEqualTo("http://***@h:1/x");
    assertThat(ToolRoute.withoutUserInfo("http://h:1/x")).isEqualTo("http://h:1/x");
  }

  private void assertSecretNotShown(String yaml, String expected) throws Exception {
    Path f = write(yaml);
    assertThatThrownBy(() -> GatewayConfig.load(f, recorder)).isInstanceOf(GatewayConfigException.class)
        .hasMessageContaining(expected).hasMessageNotContaining("S3cret").hasMessageNotContaining("Passw0rd")
        .satisfies(e -> assertThat(e.getCause() == null ? "" : String.valueOf(e.getCause().getMessage()))
            .doesNotContain("S3cret"));
  }

  @Test
  void aGatewayKeyOthersCanRead_isRefused() throws Exception {
    Files.setPosixFilePermissions(dir.resolve("keys/gateway.key.pem"),
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    assertError(VALID, "accessible by group or others");
  }

  private void assertError(String yaml, String expected) throws Exception {
    Path f = write(yaml);
    assertThatThrownBy(() -> GatewayConfig.load(f, recorder)).isInstanceOf(GatewayConfigException.class)
        .hasMessageContaining(expected).hasMessageContaining(f.toString());
  }
}
