package dev.arbiter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.arbiter.server.identity.DevIssuer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The governed path across real OS processes on loopback: ledger+engine ({@code arbiter serve}), the
 * gateway ({@code arbiter serve --role gateway}) and the sample tool ({@code arbiter sample-tool}) each
 * in its own JVM; a real OIDC issuer in the test JVM; approvers sign with their own keys through the
 * CLI. A production deploy waits for two approvers, is authorised, executes exactly once through the
 * gateway, and the ledger verifies and holds the whole chain from {@code decision.created} to {@code
 * execution.confirmed}.
 */
class EndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration READY = Duration.ofSeconds(60);

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final List<Child> children = new ArrayList<>();

  @Test
  void productionDeploy_twoApprovals_executesOnceThroughTheGateway_andTheLedgerHoldsTheWholeChain() throws Exception {
    DevIssuer idp = new DevIssuer(dir.resolve("idp"), "arbiter", Map.of(), Clock.systemUTC()).start(0);
    try {
      run(idp);
    } finally {
      stopAll();
      idp.close();
    }
  }

  private void run(DevIssuer idp) throws Exception {
    Path tokens = Files.createDirectories(dir.resolve("tokens"));
    Path agent = token(tokens, "agent", idp.mint("ci_pipeline", List.of(), Duration.ofHours(1)));
    Path alice = token(tokens, "alice", idp.mint("alice", List.of("supervisor"), Duration.ofHours(1)));
    Path bob = token(tokens, "bob", idp.mint("bob", List.of("supervisor"), Duration.ofHours(1)));
    Path gw = token(tokens, "gw", idp.mint("gw", List.of("arbiter-gateway"), Duration.ofHours(1)));

    // 1. ledger + engine
    Path data = dir.resolve("data");
    // A real IdP needs an explicit role mapping: supervisors approve at L2 in every domain.
    Path identity = Files.writeString(dir.resolve("identity.yaml"), "roles:\n  supervisor: {level: L2, domains: [\"*\"]}\n");
    Child engineProc = start("engine", "serve", "--data-dir", data.toString(), "--bundle", "../examples/policy",
        "--port", "0", "--oidc-issuer", idp.issuer().toString(), "--identity", identity.toString());
    String engine = "http://127.0.0.1:" + engineProc.await(Pattern.compile("role all listening on http://127\\.0\\.0\\.1:(\\d+)/v1"));
    Path enginePub = data.resolve("keys/engine.pub");
    Path ledgerPub = data.resolve("keys/ledger.pub");

    // 2. keys: the gateway's (Ed25519), and one per approver
    Path keys = dir.resolve("keys");
    cli("keys", "generate", "--out", keys.toString(), "--name", "gateway");
    cli("keys", "generate", "--out", keys.toString(), "--name", "alice", "--alg", "ed25519");
    cli("keys", "generate", "--out", keys.toString(), "--name", "bob", "--alg", "ecdsa-p256");

    // 3. the sample tool, pinned to the engine, ledger and gateway public keys
    Path toolLog = dir.resolve("tool/deployer-executions.jsonl");
    Child toolProc = start("tool", "sample-tool", "--name", "deployer", "--host", "127.0.0.1", "--port", "0",
        "--log", toolLog.toString(), "--engine-key", enginePub.toString(), "--ledger-key", ledgerPub.toString(),
        "--gateway-key", keys.resolve("gateway.pub").toString());
    String tool = "http://127.0.0.1:"
        + toolProc.await(Pattern.compile("sample tool deployer listening on http://127\\.0\\.0\\.1:(\\d+)"));

    // 4. the gateway in front of it
    Path gatewayDir = Files.createDirectories(dir.resolve("gateway"));
    Path gatewayConfig = gatewayDir.resolve("gateway.yaml");
    Files.writeString(gatewayConfig, String.join("\n",
        "listen: {host: 127.0.0.1, port: 0}",
        "engine_keys: [" + quoted(enginePub) + "]",
        "ledger_key: " + quoted(ledgerPub),
        "gateway_key: " + quoted(keys.resolve("gateway.key")),
        "burn_store: burned-grants.db",
        "skew_seconds: 30",
        "tools:",
        "  - name: deployer",
        "    upstream: " + tool + "/execute",
        "    allowed_classes: [deploy]",
        "    timeout_ms: 10000",
        ""));
    Child gatewayProc = start("gateway", "serve", "--role", "gateway", "--gateway-config", gatewayConfig.toString(),
        "--engine", engine, "--engine-token-file", gw.toString());
    String gateway = "http://127.0.0.1:"
        + gatewayProc.await(Pattern.compile("role gateway listening on http://127\\.0\\.0\\.1:(\\d+)"));

    // 5. approvers enrol their keys
    cli("keys", "enrol", "--engine", engine, "--token-file", alice.toString(), "--key", keys.resolve("alice.pub").toString());
    cli("keys", "enrol", "--engine", engine, "--token-file", bob.toString(), "--key", keys.resolve("bob.pub").toString());

    // 6. the agent proposes a production deploy: it waits for two approvers
    JsonNode request = JSON.readTree(Files.readString(Path.of("../examples/requests/deploy-prod-two-approvals.json")));
    HttpResponse<String> submitted = post(engine + "/v1/decisions", agent, Map.of(), request.toString());
    assertThat(submitted.statusCode()).as(submitted.body()).isBetween(200, 299);
    JsonNode decision = JSON.readTree(submitted.body());
    assertThat(decision.get("status").asText()).as(submitted.body()).isEqualTo("pending_authority");
    String id = decision.get("decision_id").asText();

    // 7. two approvers sign through the CLI
    cli("approve", "--engine", engine, "--token-file", alice.toString(), "--decision", id,
        "--key", keys.resolve("alice.key").toString(), "--rationale", "reviewed CHG-2291", "--yes");
    assertThat(status(engine, agent, id)).isEqualTo("pending_authority");
    cli("approve", "--engine", engine, "--token-file", bob.toString(), "--decision", id,
        "--key", keys.resolve("bob.key").toString(), "--rationale", "second pair of eyes on CHG-2291", "--yes");
    assertThat(status(engine, agent, id)).isEqualTo("authorized");

    // 8. the grant is issued
    HttpResponse<String> grantResponse = get(engine + "/v1/decisions/" + id + "/grant", agent);
    assertThat(grantResponse.statusCode()).as(grantResponse.body()).isEqualTo(200);
    JsonNode grantJson = JSON.readTree(grantResponse.body());
    String grant = grantJson.get("grant").asText();
    String grantId = grantJson.get("grant_id").asText();
    String payload = request.get("action").get("payload").toString();

    // 9. the gateway executes it exactly once
    HttpResponse<String> executed = post(gateway + "/tools/deployer", null, Map.of("Arbiter-Grant", grant), payload);
    assertThat(executed.statusCode()).as("%s\n--- gateway\n%s\n--- tool\n%s", executed.body(), gatewayProc.log(), toolProc.log())
        .isBetween(200, 299);
    assertThat(JSON.readTree(executed.body()).path("grant_id").asText()).isEqualTo(grantId);

    HttpResponse<String> replay = post(gateway + "/tools/deployer", null, Map.of("Arbiter-Grant", grant), payload);
    assertThat(replay.statusCode()).as(replay.body()).isEqualTo(409);
    assertThat(JSON.readTree(replay.body()).path("type").asText()).endsWith("/grant-already-used");

    // 10. the tool refuses a direct call, even one carrying the grant
    HttpResponse<String> direct = post(tool + "/execute", null, Map.of("Arbiter-Grant", grant), payload);
    assertThat(direct.statusCode()).as(direct.body()).isEqualTo(403);
    assertThat(JSON.readTree(direct.body()).path("reason").asText()).isEqualTo("gateway_proof_missing");

    List<String> lines = Files.readAllLines(toolLog).stream().filter(l -> !l.isBlank()).toList();
    assertThat(lines).as("the tool's execution log").hasSize(1);
    assertThat(JSON.readTree(lines.get(0)).path("grant_id").asText()).isEqualTo(grantId);
    assertThat(status(engine, agent, id)).isEqualTo("executed");

    // 11. every process stops on SIGTERM
    for (Child c : List.copyOf(children).reversed()) {
      c.process.destroy();
      assertThat(c.process.waitFor(30, TimeUnit.SECONDS)).as("%s did not stop on SIGTERM:\n%s", c.name, c.log()).isTrue();
    }

    // 12. the ledger verifies and holds the whole chain, in order
    CliRun verify = CliRun.of("ledger", "verify", "--db", data.resolve("ledger.db").toString(), "--key", ledgerPub.toString());
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
    CliRun show = CliRun.of("ledger", "show", "--db", data.resolve("ledger.db").toString(), "--stream", id, "--json",
        "--limit", "1000");
    assertThat(show.exitCode()).as(show.toString()).isZero();
    List<String> types = new ArrayList<>();
    for (String line : show.outLines()) {
      types.add(JSON.readTree(line).get("event_type").asText());
    }
    assertThat(types).as(show.out()).first().isEqualTo("decision.created");
    assertThat(types).as(show.out()).last().isEqualTo("execution.confirmed");
    assertThat(types).as(show.out()).containsSubsequence("decision.created", "approval.added", "approval.added",
        "enforcement.result", "grant.issued", "execution.started", "execution.confirmed");
    assertThat(types.stream().filter("approval.added"::equals).count()).as(show.out()).isEqualTo(2);
    assertThat(types.stream().filter("execution.started"::equals).count()).as(show.out()).isEqualTo(1);
    assertThat(types).as(show.out()).doesNotContain("execution.failed");
  }

  /**
   * The engine is killed (SIGKILL) while the tool runs a governed call: the gateway still returns the
   * tool's answer, keeps the outcome it could not record in its burn store's file, and sends it once
   * the engine is back on the same ledger. The ledger then holds the start and exactly one outcome.
   */
  @Test
  void engineKilledWhileTheToolRuns_theOutcomeReachesTheLedgerOnceTheEngineIsBack() throws Exception {
    DevIssuer idp = new DevIssuer(dir.resolve("idp"), "arbiter", Map.of(), Clock.systemUTC()).start(0);
    java.util.concurrent.CountDownLatch called = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    // A tool that takes its time: it answers only once the test released it (the engine is dead by then).
    com.sun.net.httpserver.HttpServer slowTool = slowTool(called, release);
    try {
      Path tokens = Files.createDirectories(dir.resolve("tokens"));
      Path agent = token(tokens, "agent", idp.mint("ci_pipeline", List.of(), Duration.ofHours(1)));
      Path gw = token(tokens, "gw", idp.mint("gw", List.of("arbiter-gateway"), Duration.ofHours(1)));
      Path data = dir.resolve("data");
      String[] engineArgs = engineArgs(idp, data);
      Child engineProc = start("engine", concat(engineArgs, "--port", "0"));
      String port = engineProc.await(Pattern.compile("role all listening on http://127\\.0\\.0\\.1:(\\d+)/v1"));
      String engine = "http://127.0.0.1:" + port;
      Path gatewayConfig = gatewayConfig(data, slowTool);
      Child gatewayProc = start("gateway", "serve", "--role", "gateway", "--gateway-config", gatewayConfig.toString(),
          "--engine", engine, "--engine-token-file", gw.toString());
      String gateway = "http://127.0.0.1:"
          + gatewayProc.await(Pattern.compile("role gateway listening on http://127\\.0\\.0\\.1:(\\d+)"));

      JsonNode request = JSON.readTree(Files.readString(Path.of("../examples/requests/deploy-dev-auto-allow.json")));
      HttpResponse<String> allowed = post(engine + "/v1/decisions", agent, Map.of(), request.toString());
      assertThat(allowed.statusCode()).as(allowed.body()).isBetween(200, 299);
      String id = JSON.readTree(allowed.body()).get("decision_id").asText();
      String grant = JSON.readTree(allowed.body()).get("grant").asText();
      String payload = request.get("action").get("payload").toString();

      java.util.concurrent.CompletableFuture<HttpResponse<String>> executed = java.util.concurrent.CompletableFuture
          .supplyAsync(() -> {
            try {
              return post(gateway + "/tools/deployer", null, Map.of("Arbiter-Grant", grant), payload);
            } catch (Exception e) {
              throw new java.util.concurrent.CompletionException(e);
            }
          });
      assertThat(called.await(30, TimeUnit.SECONDS)).as("the tool was called:\n%s", gatewayProc.log()).isTrue();
      engineProc.process.destroyForcibly(); // SIGKILL, while the tool runs
      assertThat(engineProc.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      release.countDown();

      HttpResponse<String> answer = executed.get(60, TimeUnit.SECONDS);
      assertThat(answer.statusCode()).as("the tool's answer is returned: %s", answer.body()).isEqualTo(200);
      assertThat(answer.body()).contains("deployed");

      Child restarted = start("engine-again", concat(engineArgs, "--port", port));
      restarted.await(Pattern.compile("role all listening on http://127\\.0\\.0\\.1:(\\d+)/v1"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      String status = status(engine, agent, id);
      while (!status.equals("executed") && System.nanoTime() < deadline) {
        Thread.sleep(200);
        status = status(engine, agent, id);
      }
      assertThat(status).as("the outcome reached the ledger:\n--- gateway\n%s", gatewayProc.log()).isEqualTo("executed");

      for (Child c : List.of(gatewayProc, restarted)) {
        c.process.destroy();
        assertThat(c.process.waitFor(30, TimeUnit.SECONDS)).as("%s stops on SIGTERM", c.name).isTrue();
      }
      Path ledgerDb = data.resolve("ledger.db");
      CliRun verify = CliRun.of("ledger", "verify", "--db", ledgerDb.toString(), "--key",
          data.resolve("keys/ledger.pub").toString());
      assertThat(verify.exitCode()).as(verify.toString()).isZero();
      CliRun show = CliRun.of("ledger", "show", "--db", ledgerDb.toString(), "--stream", id, "--json", "--limit", "1000");
      List<String> types = new ArrayList<>();
      for (String line : show.outLines()) {
        types.add(JSON.readTree(line).get("event_type").asText());
      }
      assertThat(types).as(show.out()).endsWith("execution.started", "execution.confirmed");
      assertThat(types.stream().filter(t -> t.startsWith("execution.")).count()).as(show.out()).isEqualTo(2);
    } finally {
      release.countDown();
      stopAll();
      slowTool.stop(0);
      idp.close();
    }
  }

  /**
   * The gateway is killed (SIGKILL) while the tool runs a governed call: nobody will ever report that
   * call's outcome. The next gateway on the same burn store reports it interrupted, and the decision's
   * trail ends with {@code execution.failed} (outcome unknown) instead of a start without an outcome
   * for good (crash-and-load run: 19 decisions left authorized after gateway kills).
   */
  @Test
  void gatewayKilledWhileTheToolRuns_theNextGatewayReportsTheCallInterrupted() throws Exception {
    DevIssuer idp = new DevIssuer(dir.resolve("idp"), "arbiter", Map.of(), Clock.systemUTC()).start(0);
    java.util.concurrent.CountDownLatch called = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    com.sun.net.httpserver.HttpServer slowTool = slowTool(called, release);
    try {
      Path tokens = Files.createDirectories(dir.resolve("tokens"));
      Path agent = token(tokens, "agent", idp.mint("ci_pipeline", List.of(), Duration.ofHours(1)));
      Path gw = token(tokens, "gw", idp.mint("gw", List.of("arbiter-gateway"), Duration.ofHours(1)));
      Path data = dir.resolve("data");
      Child engineProc = start("engine", concat(engineArgs(idp, data), "--port", "0"));
      String engine = "http://127.0.0.1:" + engineProc.await(Pattern.compile("role all listening on http://127\\.0\\.0\\.1:(\\d+)/v1"));
      Path gatewayConfig = gatewayConfig(data, slowTool);
      String[] gatewayArgs = {"serve", "--role", "gateway", "--gateway-config", gatewayConfig.toString(),
          "--engine", engine, "--engine-token-file", gw.toString()};
      Pattern listening = Pattern.compile("role gateway listening on http://127\\.0\\.0\\.1:(\\d+)");
      Child gatewayProc = start("gateway", gatewayArgs);
      String gateway = "http://127.0.0.1:" + gatewayProc.await(listening);

      JsonNode request = JSON.readTree(Files.readString(Path.of("../examples/requests/deploy-dev-auto-allow.json")));
      HttpResponse<String> allowed = post(engine + "/v1/decisions", agent, Map.of(), request.toString());
      String id = JSON.readTree(allowed.body()).get("decision_id").asText();
      String grant = JSON.readTree(allowed.body()).get("grant").asText();
      String payload = request.get("action").get("payload").toString();
      java.util.concurrent.CompletableFuture.runAsync(() -> {
        try {
          post(gateway + "/tools/deployer", null, Map.of("Arbiter-Grant", grant), payload);
        } catch (Exception e) {
          // the gateway dies under this call: no answer is expected
        }
      });
      assertThat(called.await(30, TimeUnit.SECONDS)).as("the tool was called:\n%s", gatewayProc.log()).isTrue();
      gatewayProc.process.destroyForcibly(); // SIGKILL, while the tool runs
      assertThat(gatewayProc.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      release.countDown();

      Child again = start("gateway-again", gatewayArgs);
      again.await(listening);
      Path ledgerDb = data.resolve("ledger.db");
      List<JsonNode> trail = List.of();
      for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); System.nanoTime() < deadline; Thread.sleep(200)) {
        trail = executionEvents(ledgerDb, id);
        if (trail.size() == 2) {
          break;
        }
      }
      assertThat(trail).as("the start and its closing, once:\n--- gateway\n%s", again.log()).hasSize(2);
      assertThat(trail.get(0).get("event_type").asText()).isEqualTo("execution.started");
      assertThat(trail.get(1).get("event_type").asText()).isEqualTo("execution.failed");
      assertThat(trail.get(1).get("payload").get("reason").asText()).isEqualTo("gateway_interrupted");

      for (Child c : List.of(again, engineProc)) {
        c.process.destroy();
        assertThat(c.process.waitFor(30, TimeUnit.SECONDS)).as("%s stops on SIGTERM", c.name).isTrue();
      }
      CliRun verify = CliRun.of("ledger", "verify", "--db", ledgerDb.toString(), "--key",
          data.resolve("keys/ledger.pub").toString());
      assertThat(verify.exitCode()).as(verify.toString()).isZero();
    } finally {
      release.countDown();
      stopAll();
      slowTool.stop(0);
      idp.close();
    }
  }

  /** {@code serve} on {@code data}, trusting {@code idp} with supervisors at L2 everywhere (no port). */
  private String[] engineArgs(DevIssuer idp, Path data) throws Exception {
    Path identity = Files.writeString(dir.resolve("identity.yaml"), "roles:\n  supervisor: {level: L2, domains: [\"*\"]}\n");
    return new String[] {"serve", "--data-dir", data.toString(), "--bundle", "../examples/policy",
        "--oidc-issuer", idp.issuer().toString(), "--identity", identity.toString()};
  }

  /** The decision's {@code execution.*} entries, read from the live ledger file. */
  private static List<JsonNode> executionEvents(Path ledgerDb, String id) throws Exception {
    CliRun show = CliRun.of("ledger", "show", "--db", ledgerDb.toString(), "--stream", id, "--json", "--limit", "1000");
    List<JsonNode> out = new ArrayList<>();
    for (String line : show.outLines()) {
      JsonNode e = JSON.readTree(line);
      if (e.get("event_type").asText().startsWith("execution.")) {
        out.add(e);
      }
    }
    return out;
  }

  /** A tool that answers only once {@code release} is counted down, {@code called} counted down when it got the call. */
  private static com.sun.net.httpserver.HttpServer slowTool(java.util.concurrent.CountDownLatch called,
      java.util.concurrent.CountDownLatch release) throws java.io.IOException {
    com.sun.net.httpserver.HttpServer tool = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    tool.createContext("/execute", ex -> {
      ex.getRequestBody().readAllBytes();
      called.countDown();
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      byte[] answer = "{\"deployed\":true}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, answer.length);
      ex.getResponseBody().write(answer);
      ex.close();
    });
    tool.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    tool.start();
    return tool;
  }

  /** A gateway config in front of {@code tool}, trusting the keys of the engine whose data directory is {@code data}. */
  private Path gatewayConfig(Path data, com.sun.net.httpserver.HttpServer tool) throws Exception {
    Path keys = dir.resolve("keys");
    cli("keys", "generate", "--out", keys.toString(), "--name", "gateway");
    Path gatewayConfig = Files.createDirectories(dir.resolve("gateway")).resolve("gateway.yaml");
    Files.writeString(gatewayConfig, String.join("\n",
        "listen: {host: 127.0.0.1, port: 0}",
        "engine_keys: [" + quoted(data.resolve("keys/engine.pub")) + "]",
        "ledger_key: " + quoted(data.resolve("keys/ledger.pub")),
        "gateway_key: " + quoted(keys.resolve("gateway.key")),
        "burn_store: burned-grants.db",
        "tools:",
        "  - name: deployer",
        "    upstream: http://127.0.0.1:" + tool.getAddress().getPort() + "/execute",
        "    allowed_classes: [deploy]",
        "    timeout_ms: 30000",
        ""));
    return gatewayConfig;
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static String quoted(Path p) {
    return "\"" + p.toAbsolutePath().toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static Path token(Path dir, String name, String token) throws Exception {
    Path f = dir.resolve(name + ".token");
    Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(f, token);
    return f;
  }

  private static CliRun cli(String... args) {
    CliRun r = CliRun.of(args);
    assertThat(r.exitCode()).as("arbiter %s\n%s", String.join(" ", args), r).isZero();
    return r;
  }

  private String status(String engine, Path token, String id) throws Exception {
    HttpResponse<String> r = get(engine + "/v1/decisions/" + id, token);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body()).get("status").asText();
  }

  private HttpResponse<String> get(String url, Path token) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + Files.readString(token).strip()).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String url, Path token, Map<String, String> headers, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json").header("Idempotency-Key", UUID.randomUUID().toString())
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + Files.readString(token).strip());
    }
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Starts {@code arbiter ARGS} in a child JVM, stderr to a log file. */
  private Child start(String name, String... args) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path log = dir.resolve(name + ".log");
    List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
        System.getProperty("java.class.path"), "dev.arbiter.cli.Arbiter"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectError(log.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    Child c = new Child(name, p, log);
    children.add(c);
    return c;
  }

  private void stopAll() throws InterruptedException {
    for (Child c : children.reversed()) {
      if (c.process.isAlive()) {
        c.process.destroy();
        if (!c.process.waitFor(30, TimeUnit.SECONDS)) {
          c.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
  }

  private record Child(String name, Process process, Path logFile) {
    String log() {
      try {
        return Files.readString(logFile);
      } catch (java.io.IOException e) {
        return "(no log: " + e + ")";
      }
    }

    /** Polls stderr until {@code listening} matches; returns its first group (the port). */
    String await(Pattern listening) throws InterruptedException {
      long deadline = System.nanoTime() + READY.toNanos();
      while (System.nanoTime() < deadline) {
        Matcher m = listening.matcher(log());
        if (m.find()) {
          return m.group(1);
        }
        if (!process.isAlive()) {
          break;
        }
        Thread.sleep(50);
      }
      throw new AssertionError(name + " did not start (alive: " + process.isAlive() + "):\n" + log());
    }
  }
}
