package dev.arbiter.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.gateway.sample.SampleTool;
import dev.arbiter.gateway.verify.GrantVerifier;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A running governed path for tests: a real ledger, the recorder over it, two sample tools ({@code
 * deployer}, {@code billing}) and a gateway in front of them, all on 127.0.0.1 with free ports.
 */
final class GatewayHarness implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  final GovernedWorld world;
  final LedgerRecorder recorder;
  final SampleTool deployer;
  final SampleTool billing;
  final Path burnFile;
  GatewayServer gateway;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  GatewayHarness(Path dir) throws Exception {
    world = new GovernedWorld(dir);
    recorder = new LedgerRecorder(world.ledger, world.engineKey.verifyingKey());
    deployer = SampleTool.start("127.0.0.1", 0, verifier("deployer"), "deployer", dir.resolve("deployer.jsonl"), Clock.systemUTC());
    billing = SampleTool.start("127.0.0.1", 0, verifier("billing"), "billing", dir.resolve("billing.jsonl"), Clock.systemUTC());
    burnFile = dir.resolve("burned.db");
    gateway = GatewayServer.start(config());
  }

  GrantVerifier verifier(String tool) {
    return new GrantVerifier(List.of(world.engineKey.verifyingKey()), world.ledgerKey.verifyingKey(),
        List.of(world.gatewayKey.verifyingKey()), tool, Clock.systemUTC(), Duration.ofSeconds(30));
  }

  GatewayConfig config() {
    return new GatewayConfig("127.0.0.1", 0, List.of(
        new ToolRoute("deployer", toolUri(deployer), Set.of("deploy"), Duration.ofSeconds(10)),
        new ToolRoute("billing", toolUri(billing), Set.of("refund"), Duration.ofSeconds(10))),
        List.of(world.engineKey.verifyingKey()), world.ledgerKey.verifyingKey(), world.gatewayKey, burnFile, recorder,
        Clock.systemUTC(), Duration.ofSeconds(30));
  }

  static URI toolUri(SampleTool tool) {
    return URI.create("http://127.0.0.1:" + tool.port() + SampleTool.PATH);
  }

  /** Closes the gateway and starts a new one over the same burn store file. */
  void restartGateway() throws Exception {
    gateway.close();
    gateway = GatewayServer.start(config());
  }

  HttpResponse<String> call(String tool, String grantCompact, JsonNode payload) throws IOException, InterruptedException {
    return call(tool, grantCompact, CanonicalJson.encode(payload), Map.of());
  }

  HttpResponse<String> call(String tool, String grantCompact, byte[] body, Map<String, String> headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/tools/" + tool))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (grantCompact != null) {
      b.header("Arbiter-Grant", grantCompact);
    }
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Waits (at most 20 s) until {@code condition} holds; an AssertionError if it never does. */
  static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not reached within 20 s");
      }
      Thread.sleep(20);
    }
  }

  /** Lines of a tool's execution log (none when it never executed anything). */
  static List<JsonNode> toolLog(SampleTool tool) throws IOException {
    Path f = tool.executionLog();
    if (!Files.exists(f)) {
      return List.of();
    }
    return Files.readAllLines(f).stream().filter(l -> !l.isBlank()).map(l -> {
      try {
        return JSON.readTree(l);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }).toList();
  }

  /** The gateway reports refusals in the background: waits (at most 10 s) until this one is on the ledger. */
  void assertRefusalRecorded(String slug, String reason) throws InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (recorder.refusals().stream().anyMatch(r -> r.path("problem").asText().equals(slug)
          && (reason == null || r.path("reason").asText().equals(reason)))) {
        return;
      }
      Thread.sleep(20);
    }
    org.assertj.core.api.Assertions.fail("refusal " + slug + "/" + reason + " not recorded; recorded: " + recorder.refusals());
  }

  static JsonNode assertProblem(HttpResponse<String> r, int status, String slug, String reason) throws IOException {
    assertThat(r.statusCode()).as("status; body %s", r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
    JsonNode p = JSON.readTree(r.body());
    assertThat(p.path("type").asText()).isEqualTo("https://arbiter.dev/problems/" + slug);
    assertThat(p.path("status").asInt()).isEqualTo(status);
    assertThat(p.path("title").asText()).isNotBlank();
    assertThat(p.has("detail")).isTrue();
    if (reason == null) {
      assertThat(p.has("reason")).isFalse();
    } else {
      assertThat(p.path("reason").asText()).isEqualTo(reason);
    }
    return p;
  }

  @Override
  public void close() {
    gateway.close();
    deployer.close();
    billing.close();
    world.close();
  }
}
