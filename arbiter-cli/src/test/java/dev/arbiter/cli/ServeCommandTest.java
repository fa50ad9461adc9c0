package dev.arbiter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code arbiter serve} as a real process: starts, answers, stops cleanly on SIGTERM, leaves a ledger that verifies. */
class ServeCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/v1");
  private static final String READ_DEV = "{\"action\":{\"class\":\"read\",\"tool\":\"x\",\"intent\":\"smoke\",\"target\":"
      + "{\"type\":\"service\",\"id\":\"s1\"},\"payload\":{}},\"context\":{\"actor\":{\"id\":\"agent_smoke\"},\"environment\":\"dev\"}}";

  @TempDir Path dir;

  /** A real OIDC issuer (discovery + JWKS over HTTP) the served engine is told to trust. */
  private static dev.arbiter.server.identity.DevIssuer idp;

  @org.junit.jupiter.api.BeforeAll
  static void startIssuer(@TempDir Path idpDir) throws Exception {
    idp = new dev.arbiter.server.identity.DevIssuer(idpDir, "arbiter", java.util.Map.of(), java.time.Clock.systemUTC()).start(0);
  }

  @org.junit.jupiter.api.AfterAll
  static void stopIssuer() {
    idp.close();
  }

  @Test
  void reverifyEvery_takesAUnitOrZero_andRefusesTheRest() {
    assertThat(ServeCommand.interval("0")).isZero();
    assertThat(ServeCommand.interval("10m")).isEqualTo(java.time.Duration.ofMinutes(10));
    assertThat(ServeCommand.interval("1h")).isEqualTo(java.time.Duration.ofHours(1));
    for (String bad : new String[] {"", "soon", "-1h", "500ms", "1d"}) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServeCommand.interval(bad)).as(bad)
          .isInstanceOf(CliFailure.class).hasMessageContaining("--reverify-every");
    }
    CliRun r = CliRun.of("serve", "--role", "gateway", "--reverify-every", "10m");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
  }

  @Test
  void serve_answersHealthAndDecisions_stopsOnSigterm_andTheLedgerVerifies() throws Exception {
    Path data = dir.resolve("data");
    String log = runServer(data, port -> {
      HttpClient client = HttpClient.newHttpClient();
      HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/health")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      HttpResponse<String> decision = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/decisions"))
          .header("Idempotency-Key", "serve-1")
          .header("Authorization", "Bearer " + idp.mint("agent_smoke", java.util.List.of(), java.time.Duration.ofMinutes(5)))
          .POST(HttpRequest.BodyPublishers.ofString(READ_DEV)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(decision.statusCode()).as(decision.body()).isEqualTo(201);
      JsonNode d = JSON.readTree(decision.body());
      assertThat(d.get("outcome").asText()).isEqualTo("allow");
    });

    assertThat(log).contains("development bundle").contains("signed with the development policy key").contains("generated now").contains("closing the ledger");
    assertThat(Files.getPosixFilePermissions(data.resolve("keys/ledger.key")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    CliRun verify = CliRun.of("ledger", "verify", "--db", data.resolve("ledger.db").toString(),
        "--key", data.resolve("keys/ledger.pub").toString());
    assertThat(verify.exitCode()).as(verify.toString()).isZero();

    String second = runServer(data, port -> { });
    assertThat(second).doesNotContain("generated now");
    CliRun again = CliRun.of("ledger", "verify", "--db", data.resolve("ledger.db").toString(),
        "--key", data.resolve("keys/ledger.pub").toString());
    assertThat(again.exitCode()).as(again.toString()).isZero();
  }

  @Test
  void serve_refusesASignedBundleThatDoesNotVerify_exit1_withoutFallingBack() throws Exception {
    CliRun k1 = CliRun.of("keys", "generate", "--out", dir.resolve("k").toString(), "--name", "policy");
    CliRun k2 = CliRun.of("keys", "generate", "--out", dir.resolve("k").toString(), "--name", "other");
    assertThat(k1.exitCode() + k2.exitCode()).isZero();
    Path bundle = dir.resolve("bundle.signed");
    CliRun build = CliRun.of("policy", "build", "../examples/policy", "--sign", dir.resolve("k/policy.key").toString(),
        "--out", bundle.toString());
    assertThat(build.exitCode()).as(build.toString()).isZero();

    CliRun r = CliRun.of("serve", "--data-dir", dir.resolve("data").toString(), "--signed-bundle", bundle.toString(),
        "--policy-key", dir.resolve("k/other.pub").toString(), "--port", "0");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).contains("refusing to start");
    assertThat(dir.resolve("data/ledger.db")).doesNotExist();
  }

  /** A server that cannot listen has served nothing: its ledger records no activation. */
  @Test
  void serve_onAPortInUse_exitsThree_andRecordsNoActivation() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
      Path data = dir.resolve("data");
      CliRun r = CliRun.of("serve", "--data-dir", data.toString(), "--bundle", "../examples/policy", "--port",
          Integer.toString(taken.getLocalPort()));
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
      assertThat(r.err()).contains("in use");
      CliRun shown = CliRun.of("ledger", "show", "--db", data.resolve("ledger.db").toString(), "--json");
      assertThat(shown.out()).doesNotContain("policy.activated");
    }
  }

  @Test
  void serve_refusesALedgerKeyReadableByOthers_exit2() throws Exception {
    Path keys = dir.resolve("data/keys");
    Files.createDirectories(keys, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    CliRun gen = CliRun.of("keys", "generate", "--out", keys.toString(), "--name", "ledger");
    assertThat(gen.exitCode()).isZero();
    Files.setPosixFilePermissions(keys.resolve("ledger.key"), PosixFilePermissions.fromString("rw-r--r--"));

    CliRun r = CliRun.of("serve", "--data-dir", dir.resolve("data").toString(), "--bundle", "../examples/policy", "--port", "0");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("readable by others").contains("chmod 600");
  }

  /** A data directory (0700) with a ledger key and a ledger of {@code events} bench events, as serve would find it. */
  private Path benchedDataDir(int events) throws Exception {
    Path data = dir.resolve("data");
    Path keys = data.resolve("keys");
    Files.createDirectories(keys, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
    assertThat(CliRun.of("keys", "generate", "--out", keys.toString(), "--name", "ledger").exitCode()).isZero();
    assertThat(CliRun.of("ledger", "bench", "--db", data.resolve("ledger.db").toString(), "--ledger-key",
        keys.resolve("ledger.key").toString(), "--events", Integer.toString(events), "--warmup-events", "0").exitCode())
        .isZero();
    return data;
  }

  /** Tampered storage is an integrity failure (exit 1), not an outage a supervisor would restart on. */
  @Test
  void serve_refusesALedgerWithAPlantedTrigger_exit1() throws Exception {
    Path data = benchedDataDir(10);
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + data.resolve("ledger.db"));
        var st = c.createStatement()) {
      st.execute("CREATE TRIGGER zz BEFORE INSERT ON entries BEGIN SELECT RAISE(IGNORE); END");
    }

    CliRun r = CliRun.of("serve", "--data-dir", data.toString(), "--bundle", "../examples/policy", "--port", "0");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).contains("refusing to start");
  }

  /** A ledger cut back while the engine was stopped verifies by itself; against a witness's checkpoint it does not. */
  @Test
  void serve_withATrustedCheckpoint_refusesALedgerCutBelowIt_exit1_andAFileThatIsNoCheckpoint_exit2() throws Exception {
    Path data = benchedDataDir(600);
    Path keys = data.resolve("keys");
    Path db = data.resolve("ledger.db");
    Path witness = dir.resolve("witness.json");
    assertThat(CliRun.of("ledger", "checkpoint", "--db", db.toString(), "--out", witness.toString()).exitCode()).isZero();
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db); var st = c.createStatement()) {
      long cut;
      try (var rs = st.executeQuery("SELECT min(tree_size) FROM checkpoints WHERE tree_size > 100")) {
        cut = rs.getLong(1);
      }
      st.execute("DROP TRIGGER entries_no_delete");
      st.execute("DROP TRIGGER checkpoints_no_delete");
      st.execute("DROP TRIGGER merkle_nodes_no_delete");
      st.execute("DELETE FROM entries WHERE leaf_index >= " + cut);
      st.execute("DELETE FROM checkpoints WHERE tree_size > " + cut);
      st.execute("DELETE FROM merkle_nodes WHERE level = 8 AND (idx + 1) * 256 > " + cut);
    }
    assertThat(CliRun.of("ledger", "verify", "--db", db.toString(), "--key", keys.resolve("ledger.pub").toString())
        .exitCode()).as("the cut is invisible from inside").isZero();

    CliRun r = CliRun.of("serve", "--data-dir", data.toString(), "--bundle", "../examples/policy", "--port", "0",
        "--trusted-checkpoint", witness.toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).contains("refusing to start").contains("truncated");

    Files.writeString(dir.resolve("not-a-checkpoint.json"), "{\"tree_size\": 3}");
    CliRun bad = CliRun.of("serve", "--data-dir", data.toString(), "--bundle", "../examples/policy", "--port", "0",
        "--trusted-checkpoint", dir.resolve("not-a-checkpoint.json").toString());
    assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(2);
    assertThat(bad.err()).contains("--trusted-checkpoint").contains("not an Arbiter checkpoint");
  }

  /** Black-box run: a FIFO in the ledger's place made serve fail with a disk I/O error, exit 3. */
  @Test
  void serve_withAFifoForItsLedger_isBadInput_exit2() throws Exception {
    Path data = Files.createDirectory(dir.resolve("fifo-data"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Process mk = new ProcessBuilder("mkfifo", data.resolve("ledger.db").toString()).start();
    org.junit.jupiter.api.Assumptions.assumeTrue(mk.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && mk.exitValue() == 0);
    CliRun r = CliRun.of("serve", "--data-dir", data.toString(), "--bundle", "../examples/policy", "--port", "0");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("not a regular file");
  }

  @Test
  void serve_rejectsAnUnknownRole_exit2() {
    CliRun r = CliRun.of("serve", "--role", "ledger", "--data-dir", dir.toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--role all").contains("--role gateway");
  }

  @Test
  void serveGateway_withoutItsOptions_orWithABadConfig_exit2() throws Exception {
    CliRun missing = CliRun.of("serve", "--role", "gateway");
    assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(2);
    assertThat(missing.err()).contains("--gateway-config");

    Path token = Files.writeString(dir.resolve("token"), "abc.def.ghi");
    Path config = Files.writeString(dir.resolve("gateway.yaml"), "listen: {port: 0}\nengine_keys: []\n");
    CliRun bad = CliRun.of("serve", "--role", "gateway", "--gateway-config", config.toString(),
        "--engine", "http://127.0.0.1:1", "--engine-token-file", token.toString());
    assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(2);
    assertThat(bad.err()).contains("gateway.yaml").contains("engine_keys");

    CliRun mixed = CliRun.of("serve", "--role", "gateway", "--bundle", "x", "--gateway-config", config.toString(),
        "--engine", "http://127.0.0.1:1", "--engine-token-file", token.toString());
    assertThat(mixed.exitCode()).as(mixed.toString()).isEqualTo(2);
    assertThat(mixed.err()).contains("--bundle does not apply to --role gateway");

    CliRun allWithGatewayOption = CliRun.of("serve", "--gateway-config", config.toString(), "--data-dir", dir.toString());
    assertThat(allWithGatewayOption.exitCode()).as(allWithGatewayOption.toString()).isEqualTo(2);
    assertThat(allWithGatewayOption.err()).contains("--role gateway only");
  }

  interface WhileRunning {
    void at(int port) throws Exception;
  }

  private static Path identity(Path dir) throws java.io.IOException {
    return Files.writeString(dir.resolve("identity.yaml"), "roles:\n  supervisor: {level: L2, domains: [\"*\"]}\n");
  }

  @Test
  void serve_withARealIssuerButNoRoleMapping_orTheDevIssuerBeyondLoopback_refusesToStart_exit2() {
    CliRun noMapping = CliRun.of("serve", "--data-dir", dir.resolve("d1").toString(), "--bundle", "../examples/policy",
        "--port", "0", "--oidc-issuer", idp.issuer().toString());
    assertThat(noMapping.exitCode()).as(noMapping.toString()).isEqualTo(2);
    assertThat(noMapping.err()).contains("--identity");

    CliRun exposed = CliRun.of("serve", "--data-dir", dir.resolve("d2").toString(), "--bundle", "../examples/policy",
        "--port", "0", "--host", "0.0.0.0");
    assertThat(exposed.exitCode()).as(exposed.toString()).isEqualTo(2);
    assertThat(exposed.err()).contains("development issuer");
  }

  /** Starts `arbiter serve` in a child JVM, runs {@code body}, sends SIGTERM; returns its stderr. */
  private static String runServer(Path data, WhileRunning body) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path log = Files.createTempFile(data.getParent(), "serve", ".log");
    Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        "dev.arbiter.cli.Arbiter", "serve", "--data-dir", data.toString(), "--bundle", "../examples/policy", "--port", "0",
        "--oidc-issuer", idp.issuer().toString(), "--identity", identity(data.getParent()).toString())
        .redirectError(log.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      Integer port = null;
      for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); port == null && System.nanoTime() < deadline; ) {
        Matcher m = LISTENING.matcher(Files.readString(log));
        if (m.find()) {
          port = Integer.parseInt(m.group(1));
        } else if (!p.isAlive()) {
          break;
        } else {
          Thread.sleep(50);
        }
      }
      assertThat(port).as("server did not start:\n%s", Files.readString(log)).isNotNull();
      body.at(port);
    } finally {
      p.destroy(); // SIGTERM
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("server did not stop on SIGTERM").isTrue();
    }
    return Files.readString(log);
  }
}
