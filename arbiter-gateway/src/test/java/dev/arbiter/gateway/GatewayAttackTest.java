package dev.arbiter.gateway;

import static dev.arbiter.gateway.GatewayHarness.assertProblem;
import static dev.arbiter.gateway.GatewayHarness.toolLog;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.decision.Target;
import dev.arbiter.core.grant.Grant;
import dev.arbiter.core.grant.GrantCodec;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.gateway.GovernedWorld.MintedGrant;
import dev.arbiter.gateway.burn.BurnStore;
import dev.arbiter.gateway.burn.FailingFlush;
import dev.arbiter.gateway.sample.SampleTool;
import dev.arbiter.gateway.verify.GatewayProof;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each threat against the gateway attempted for real, through real servers, a real ledger and real
 * SQLite files: the attack must be refused with the right problem, the tool must not have executed
 * it, and the ledger must show no execution for it (or exactly one, for replays).
 */
class GatewayAttackTest {
  @TempDir Path dir;
  GatewayHarness h;
  GovernedWorld world;

  @BeforeEach
  void start() throws Exception {
    h = new GatewayHarness(dir);
    world = h.world;
  }

  @AfterEach
  void stop() {
    h.close();
  }

  @Test
  void happyPath_executesOnce_andLedgerHasStartedAndConfirmed() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "1.4.2");
    MintedGrant g = world.mint("deployer", "deploy", payload);

    HttpResponse<String> r = h.call("deployer", g.compact(), payload);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = GatewayHarness.JSON.readTree(r.body());
    assertThat(body.path("executed").asBoolean()).isTrue();
    assertThat(body.path("grant_id").asText()).isEqualTo(g.grantId());
    assertThat(r.headers().firstValue("Arbiter-Execution-Id")).isPresent();
    List<JsonNode> log = toolLog(h.deployer);
    assertThat(log).hasSize(1);
    assertThat(log.get(0).path("grant_id").asText()).isEqualTo(g.grantId());
    assertThat(log.get(0).path("decision_id").asText()).isEqualTo(g.grant().decisionId());
    assertThat(log.get(0).path("tool").asText()).isEqualTo("deployer");
    assertThat(log.get(0).path("payload")).isEqualTo(payload);
    assertThat(log.get(0).path("executed_at").asText()).isNotBlank();
    assertThat(h.recorder.eventTypes(g.grantId())).containsExactly("execution.started", "execution.confirmed");
    String executionId = r.headers().firstValue("Arbiter-Execution-Id").orElseThrow();
    assertThat(h.recorder.events()).allSatisfy(e -> assertThat(e.envelope().payload().path("execution_id").asText()).isEqualTo(executionId));
  }

  @Test
  void noGrant_isRefused_403GrantMissing() throws Exception {
    HttpResponse<String> r = h.call("deployer", null, CanonicalJson.encode(GovernedWorld.payload("a", "1")), Map.of());

    assertProblem(r, 403, "grant-missing", null);
    h.assertRefusalRecorded("grant-missing", null);
    assertNothingExecuted();
  }

  @Test
  void unknownTool_isRefused_403() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "1");
    MintedGrant g = world.mint("deployer", "deploy", payload);

    assertProblem(h.call("shell", g.compact(), payload), 403, "unknown-tool", null);
    assertNothingExecuted();
    // Visible on the ledger, naming the grant that was tried against the wrong tool.
    for (long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        h.recorder.refusals().stream().noneMatch(r -> r.path("problem").asText().equals("unknown-tool"))
            && System.nanoTime() < deadline; ) {
      Thread.sleep(20);
    }
    assertThat(h.recorder.refusals()).anySatisfy(r -> {
      assertThat(r.path("problem").asText()).isEqualTo("unknown-tool");
      assertThat(r.path("tool").asText()).isEqualTo("shell");
      assertThat(r.path("grant_id").asText()).isEqualTo(g.grantId());
      assertThat(r.path("decision_id").asText()).isEqualTo(g.grant().decisionId());
    });
  }

  /**
   * A token pasted as the tool name is neither answered nor recorded on the ledger (as the engine's
   * errors never echo what looks like a credential); nor is one in a path no route serves.
   */
  @Test
  void unknownTool_namedLikeACredential_isNeitherEchoedNorRecorded() throws Exception {
    String token = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
    ObjectNode payload = GovernedWorld.payload("payments-api", "1");
    MintedGrant g = world.mint("deployer", "deploy", payload);

    HttpResponse<String> r = h.call(token, g.compact(), payload);
    assertProblem(r, 403, "unknown-tool", null);
    assertThat(GatewayHarness.JSON.readTree(r.body()).get("detail").asText())
        .isEqualTo("no tool (a name that looks like a credential (github_token); not shown) is behind this gateway");
    for (long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        h.recorder.refusals().stream().noneMatch(x -> x.path("problem").asText().equals("unknown-tool"))
            && System.nanoTime() < deadline; ) {
      Thread.sleep(20);
    }
    assertThat(h.recorder.refusals()).anySatisfy(x -> assertThat(x.path("problem").asText()).isEqualTo("unknown-tool"));
    assertThat(h.recorder.refusals().toString()).doesNotContain("A1b2C3d4");

    HttpResponse<String> noRoute = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + h.gateway.port() + "/" + token)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(noRoute.statusCode()).isEqualTo(404);
    assertThat(noRoute.body()).contains("looks like a credential").doesNotContain("A1b2C3d4");
  }

  /** A path probed without a grant is answered, not recorded; a tool name reaches the log only as printable text. */
  @Test
  void unknownTool_withoutAGrant_isNotRecorded_andItsNameIsMadePrintable() throws Exception {
    HttpResponse<String> r = h.call("evil%0Aforged%20line%1B%5B31m", null, CanonicalJson.encode(GovernedWorld.payload("a", "1")), Map.of());
    assertProblem(r, 403, "unknown-tool", null);
    assertThat(GatewayHarness.JSON.readTree(r.body()).get("detail").asText())
        .doesNotContain("\n").doesNotContain("\u001b").contains("\\u000a").contains("\\u001b");
    Thread.sleep(200); // the reporter runs in the background
    assertThat(h.recorder.refusals()).noneMatch(x -> x.path("problem").asText().equals("unknown-tool"));
    assertThat(dev.arbiter.gateway.http.ToolCallHandlerAccess.printable("a".repeat(63) + "\uD83D\uDE00x", 64))
        .as("cut at a code point, never inside a surrogate pair").isEqualTo("a".repeat(63) + "\uD83D\uDE00…");
  }

  /**
   * The ledger is append-only: an unknown tool's name is recorded only once the secret scanner has
   * seen it, also without its invisible characters (a zero-width space inside an access key hid it
   * from the patterns), and with those characters escaped (black-box run: U+202E was recorded as
   * sent on {@code sys:gateway} and reversed the record for whoever read it).
   */
  @Test
  void unknownTool_withAGrant_isMaskedEvenWithInvisibleCharactersInside_andRecordedWithThemEscaped() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "1r");
    MintedGrant g = world.mint("deployer", "deploy", payload);
    Map<String, String> sent = new java.util.LinkedHashMap<>();
    String masked = "(a name that looks like a credential (aws_access_key_id); not shown)";
    sent.put("AKIAIOSFODNN7EXAMPLE%e2%80%aeFAKE", masked);
    sent.put("AKIAIOSF%e2%80%8bODNN7EXAMPLE", masked); // a zero-width space hides nothing
    sent.put("evil%e2%80%aeeman%e2%80%8bx%f3%a0%81%81", "evil\\u202eeman\\u200bx\\udb40\\udc41"); // U+E0041: a tag
    for (var e : sent.entrySet()) {
      HttpResponse<String> r = h.call(e.getKey(), g.compact(), payload);
      assertProblem(r, 403, "unknown-tool", null);
      assertThat(GatewayHarness.JSON.readTree(r.body()).get("detail").asText()).contains(e.getValue())
          .doesNotContain("AKIA").doesNotContain("\u202e").doesNotContain("\u200b");
    }
    for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        h.recorder.refusals().size() < sent.size() && System.nanoTime() < deadline; ) {
      Thread.sleep(20);
    }
    assertThat(h.recorder.refusals()).extracting(r -> r.path("tool").asText()).containsExactlyInAnyOrder(masked, masked,
        "evil\\u202eeman\\u200bx\\udb40\\udc41");
    assertThat(h.recorder.refusals()).allSatisfy(r -> assertThat(r.path("grant_id").asText()).isEqualTo(g.grantId()));
    assertNothingExecuted();
  }

  @Test
  void twoGrantHeaders_areRefused_evenWhenTheFirstIsValid() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "2.0.0");
    MintedGrant g = world.mint("deployer", "deploy", payload);
    MintedGrant other = world.mint("deployer", "deploy", payload);
    for (String second : new String[] {"garbage", other.compact()}) {
      HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
              java.net.URI.create("http://127.0.0.1:" + h.gateway.port() + "/tools/deployer"))
          .header("Content-Type", "application/json").header("Arbiter-Grant", g.compact()).header("Arbiter-Grant", second)
          .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(CanonicalJson.encode(payload))).build(),
          HttpResponse.BodyHandlers.ofString());
      assertProblem(r, 403, "grant-invalid", "ambiguous_grant");
    }
    h.assertRefusalRecorded("grant-invalid", "ambiguous_grant");
    assertNothingExecuted();
    assertThat(h.call("deployer", g.compact(), payload).statusCode()).as("not burned by the refused calls").isEqualTo(200);
  }

  @Test
  void forgedGrant_claimingTheEngineKeyButSignedByAnother_isRefusedBadSignature() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "6.6.6");
    Grant claims = world.grant("deployer", "deploy", new Target("service", "payments-api"), payload,
        Instant.now().minusSeconds(5), Instant.now().plusSeconds(300));
    SigningKey attacker = GovernedWorld.newKey();
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header = b64.encodeToString(("{\"alg\":\"EdDSA\",\"kid\":\"" + world.engineKey.keyId().value()
        + "\",\"typ\":\"arbiter-grant+jwt\"}").getBytes(StandardCharsets.UTF_8));
    String body = b64.encodeToString(CanonicalJson.encode(claims.toJson()));
    String input = header + "." + body;
    String forged = input + "." + b64.encodeToString(attacker.sign(input.getBytes(StandardCharsets.US_ASCII)));

    assertProblem(h.call("deployer", forged, payload), 403, "grant-invalid", "bad_signature");
    h.assertRefusalRecorded("grant-invalid", "bad_signature");
    assertNothingExecuted();
  }

  @Test
  void validGrantWithSwappedClaims_isRefusedBadSignature() throws Exception {
    ObjectNode granted = GovernedWorld.payload("payments-api", "1.0.0");
    ObjectNode wanted = GovernedWorld.payload("payments-api", "9.9.9");
    MintedGrant g = world.mint("deployer", "deploy", granted);
    ObjectNode claims = g.grant().toJson().put("payload_hash", Grant.payloadHash(wanted));
    String[] parts = g.compact().split("\\.");
    String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(CanonicalJson.encode(claims))
        + "." + parts[2];

    assertProblem(h.call("deployer", tampered, wanted), 403, "grant-invalid", "bad_signature");
    h.assertRefusalRecorded("grant-invalid", "bad_signature");
    assertNothingExecuted();
  }

  @Test
  void grantSignedByARevokedEngineKey_isRefusedOnceTheKeyLeftThePinnedSet() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "rv");
    MintedGrant g = world.mint("deployer", "deploy", payload);
    // Revoking an engine key means removing it from every gateway's pinned set (here: rotated to a new key).
    GatewayConfig c = h.config();
    GatewayConfig rotated = new GatewayConfig(c.host(), 0, c.tools(), java.util.List.of(GovernedWorld.newKey().verifyingKey()),
        c.trustedLedgerKey(), c.gatewayKey(), c.burnStore(), c.recorder(), c.clock(), c.skew());
    h.gateway.close();
    h.gateway = GatewayServer.start(rotated);

    assertProblem(h.call("deployer", g.compact(), payload), 403, "grant-invalid", "unknown_key");
    h.assertRefusalRecorded("grant-invalid", "unknown_key");
    assertNothingExecuted();
  }

  @Test
  void grantSignedByUnknownKey_isRefusedUnknownKey() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "1");
    MintedGrant g = world.mint("deployer", "deploy", new Target("service", "payments-api"), payload,
        Instant.now().minusSeconds(5), Instant.now().plusSeconds(300), GovernedWorld.newKey());

    assertProblem(h.call("deployer", g.compact(), payload), 403, "grant-invalid", "unknown_key");
    h.assertRefusalRecorded("grant-invalid", "unknown_key");
    assertNothingExecuted();
  }

  @Test
  void expiredGrant_isRefusedExpired() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "1");
    MintedGrant g = world.mint("deployer", "deploy", new Target("service", "payments-api"), payload,
        Instant.now().minus(Duration.ofMinutes(20)), Instant.now().minus(Duration.ofMinutes(10)), world.engineKey);

    assertProblem(h.call("deployer", g.compact(), payload), 403, "grant-invalid", "expired");
    h.assertRefusalRecorded("grant-invalid", "expired");
    // Its signature verified: the refusal names the grant and its decision (black-box run: both were null).
    assertThat(h.recorder.refusals()).anySatisfy(r -> {
      assertThat(r.path("reason").asText()).isEqualTo("expired");
      assertThat(r.path("grant_id").asText()).isEqualTo(g.grantId());
      assertThat(r.path("decision_id").asText()).isEqualTo(g.grant().decisionId());
    });
    assertNothingExecuted();
  }

  @Test
  void notYetValidGrant_isRefused() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "1");
    MintedGrant g = world.mint("deployer", "deploy", new Target("service", "payments-api"), payload,
        Instant.now().plus(Duration.ofMinutes(10)), Instant.now().plus(Duration.ofMinutes(20)), world.engineKey);

    assertProblem(h.call("deployer", g.compact(), payload), 403, "grant-invalid", "not_yet_valid");
    h.assertRefusalRecorded("grant-invalid", "not_yet_valid");
    assertNothingExecuted();
  }

  @Test
  void sameGrantTwice_secondIsRefused409_andToolRanOnce() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "2");
    MintedGrant g = world.mint("deployer", "deploy", payload);

    assertThat(h.call("deployer", g.compact(), payload).statusCode()).isEqualTo(200);
    assertProblem(h.call("deployer", g.compact(), payload), 409, "grant-already-used", null);
    h.assertRefusalRecorded("grant-already-used", null);

    assertThat(toolLog(h.deployer)).hasSize(1);
    assertThat(h.recorder.eventTypes(g.grantId())).containsExactly("execution.started", "execution.confirmed");
  }

  @Test
  void sameGrantConcurrently_exactlyOneSucceeds() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "3");
    MintedGrant g = world.mint("deployer", "deploy", payload);
    int threads = 16;
    CountDownLatch go = new CountDownLatch(1);
    List<Future<HttpResponse<String>>> futures = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      for (int i = 0; i < threads; i++) {
        Callable<HttpResponse<String>> c = () -> {
          go.await();
          return h.call("deployer", g.compact(), payload);
        };
        futures.add(pool.submit(c));
      }
      go.countDown();
      List<HttpResponse<String>> results = new ArrayList<>();
      for (Future<HttpResponse<String>> f : futures) {
        results.add(f.get());
      }
      assertThat(results).filteredOn(r -> r.statusCode() / 100 == 2).hasSize(1);
      for (HttpResponse<String> r : results) {
        if (r.statusCode() != 200) {
          assertProblem(r, 409, "grant-already-used", null);
          h.assertRefusalRecorded("grant-already-used", null);
        }
      }
    }
    assertThat(toolLog(h.deployer)).hasSize(1);
    assertThat(h.recorder.eventTypes(g.grantId())).containsExactly("execution.started", "execution.confirmed");
  }

  @Test
  void grantForOneTool_usedForAnother_isRefusedToolMismatch() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "4");
    MintedGrant g = world.mint("deployer", "refund", payload);

    assertProblem(h.call("billing", g.compact(), payload), 403, "grant-mismatch", "tool_mismatch");
    h.assertRefusalRecorded("grant-mismatch", "tool_mismatch");
    assertNothingExecuted();
  }

  /**
   * The proposer states the environment, and the policy decides by it: a production deploy stated
   * as "dev" is auto-allowed. A route pinned to production refuses that grant before the burn.
   */
  @Test
  void grantDecidedForDev_atAToolPinnedToProduction_isRefusedEnvironmentMismatch() throws Exception {
    h.gateway.close();
    GatewayConfig c = h.config();
    List<ToolRoute> pinned = c.toolsByName().values().stream().map(r -> new ToolRoute(r.name(), r.upstream(),
        r.allowedClasses(), r.timeout(), Set.of("production"))).toList();
    h.gateway = GatewayServer.start(new GatewayConfig(c.host(), 0, pinned, c.trustedEngineKeys(), c.trustedLedgerKey(),
        c.gatewayKey(), c.burnStore(), c.recorder(), c.clock(), c.skew()));
    ObjectNode payload = GovernedWorld.payload("payments-api", "5");
    MintedGrant dev = world.mintFor("dev", "deployer", "deploy", payload);

    assertProblem(h.call("deployer", dev.compact(), payload), 403, "grant-mismatch", "environment_mismatch");
    h.assertRefusalRecorded("grant-mismatch", "environment_mismatch");
    assertNothingExecuted();
    assertThat(h.recorder.eventTypes(dev.grantId())).isEmpty();

    MintedGrant prod = world.mintFor("production", "deployer", "deploy", payload);
    assertThat(h.call("deployer", prod.compact(), payload).statusCode()).isEqualTo(200);
    assertThat(toolLog(h.deployer)).hasSize(1);
  }

  @Test
  void grantForAnActionClassTheToolDoesNotAllow_isRefused() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "4");
    MintedGrant g = world.mint("deployer", "delete_database", payload);

    assertProblem(h.call("deployer", g.compact(), payload), 403, "grant-mismatch", "action_class_not_allowed");
    h.assertRefusalRecorded("grant-mismatch", "action_class_not_allowed");
    assertNothingExecuted();
  }

  @Test
  void grantForOnePayload_usedWithAnother_isRefusedPayloadMismatch() throws Exception {
    MintedGrant g = world.mint("deployer", "deploy", GovernedWorld.payload("payments-api", "5"));

    assertProblem(h.call("deployer", g.compact(), GovernedWorld.payload("payments-api", "5-evil")), 403, "grant-mismatch",
        "payload_mismatch");
    assertNothingExecuted();
  }

  @Test
  void sameJsonWithDifferentFormatting_isTheSamePayload() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "7");
    MintedGrant g = world.mint("deployer", "deploy", payload);
    byte[] pretty = GatewayHarness.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(payload);

    assertThat(h.call("deployer", g.compact(), pretty, Map.of()).statusCode()).isEqualTo(200);
    assertThat(toolLog(h.deployer)).hasSize(1);
  }

  /**
   * The gateway forwards the canonical form, which can be larger than the body: {@code 1e20} is 21
   * digits canonically. A body under the limit whose canonical form is over it is refused before the
   * grant is burned, not forwarded to a tool that would refuse it after the burn.
   */
  @Test
  void aBodyWhoseCanonicalFormOutgrowsTheLimit_isRefused413_beforeTheBurn() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "9");
    com.fasterxml.jackson.databind.node.ArrayNode amounts = payload.putArray("amounts");
    StringBuilder raw = new StringBuilder("{\"regions\":[\"eu-west-1\",\"us-east-1\"],\"service\":\"payments-api\",\"version\":\"9\",\"amounts\":[");
    for (int i = 0; i < 60_000; i++) {
      amounts.add(1e20);
      raw.append(i == 0 ? "" : ",").append("1e20");
    }
    raw.append("]}");
    byte[] body = raw.toString().getBytes(StandardCharsets.UTF_8);
    assertThat(body.length).isLessThan(dev.arbiter.gateway.http.ToolCallHandler.MAX_BODY_BYTES);
    assertThat(CanonicalJson.encode(payload).length).isGreaterThan(dev.arbiter.gateway.http.ToolCallHandler.MAX_BODY_BYTES);
    MintedGrant g = world.mint("deployer", "deploy", payload);

    assertProblem(h.call("deployer", g.compact(), body, Map.of()), 413, "payload-too-large", null);
    assertNothingExecuted();
    try (BurnStore observer = BurnStore.open(h.burnFile, Clock.systemUTC())) {
      assertThat(observer.isBurned(g.grantId())).as("the grant is not burned").isFalse();
    }
  }

  /**
   * Nothing signed covers a query string, and the gateway forwards none: a caller's {@code
   * ?dry_run=true} was dropped and the deploy ran for real (black-box run). Refused before the burn,
   * and recorded; the grant still works without the query.
   */
  @Test
  void aQueryString_isRefusedQueryNotAllowed_beforeTheBurn() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "6q");
    MintedGrant g = world.mint("deployer", "deploy", payload);

    for (String query : new String[] {"deployer?dry_run=true", "deployer?dry_run=false", "deployer?%00"}) {
      HttpResponse<String> r = h.call(query, g.compact(), payload);
      assertThat(r.statusCode()).as(query).isEqualTo(403);
      assertProblem(r, 403, "grant-mismatch", "query_not_allowed");
    }
    // A path parameter is part of the tool's name: no such tool.
    assertProblem(h.call("deployer;dry_run=true", g.compact(), payload), 403, "unknown-tool", null);
    // A bare `?` (the JDK's client drops it): Jetty reads an empty query.
    byte[] body = CanonicalJson.encode(payload);
    try (Socket s = new Socket("127.0.0.1", h.gateway.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("POST /tools/deployer? HTTP/1.1\r\nHost: 127.0.0.1\r\nArbiter-Grant: " + g.compact()
          + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().write(body);
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(all).as("a bare ?").startsWith("HTTP/1.1 403").contains("query_not_allowed");
    }
    h.assertRefusalRecorded("grant-mismatch", "query_not_allowed");
    assertThat(h.recorder.refusals()).filteredOn(r -> r.path("reason").asText().equals("query_not_allowed"))
        .allSatisfy(r -> assertThat(r.path("grant_id").asText()).isEqualTo(g.grantId()));
    assertNothingExecuted();
    assertThat(h.call("deployer", g.compact(), payload).statusCode()).as("not burned by the refused calls").isEqualTo(200);
  }

  @Test
  void grantForOneTarget_usedForAnother_isRefusedTargetMismatch() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "6");
    MintedGrant g = world.mint("deployer", "deploy", payload);

    HttpResponse<String> r = h.call("deployer", g.compact(), CanonicalJson.encode(payload),
        Map.of("Arbiter-Target", "service/ledger-db"));

    assertProblem(r, 403, "grant-mismatch", "target_mismatch");
    h.assertRefusalRecorded("grant-mismatch", "target_mismatch");
    assertNothingExecuted();
    // The matching target is accepted.
    assertThat(h.call("deployer", g.compact(), CanonicalJson.encode(payload),
        Map.of("Arbiter-Target", "service/payments-api")).statusCode()).isEqualTo(200);
  }

  @Test
  void grantWhoseReceiptEntryHashWasTampered_isRefusedReceiptInvalid() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "8");
    Grant real = world.grant("deployer", "deploy", new Target("service", "payments-api"), payload,
        Instant.now().minusSeconds(5), Instant.now().plusSeconds(300));
    ObjectNode receipt = (ObjectNode) real.receipt().deepCopy();
    String eh = receipt.path("entry_hash").asText();
    receipt.put("entry_hash", (eh.charAt(0) == '0' ? "1" : "0") + eh.substring(1));
    String compact = GrantCodec.sign(withReceipt(real, receipt), world.engineKey);

    assertProblem(h.call("deployer", compact, payload), 403, "grant-invalid", "receipt_invalid");
    h.assertRefusalRecorded("grant-invalid", "receipt_invalid");
    assertNothingExecuted();
  }

  @Test
  void grantWhoseReceiptCheckpointSignatureWasTampered_isRefusedReceiptInvalid() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "9");
    Grant real = world.grant("deployer", "deploy", new Target("service", "payments-api"), payload,
        Instant.now().minusSeconds(5), Instant.now().plusSeconds(300));
    ObjectNode receipt = (ObjectNode) real.receipt().deepCopy();
    ObjectNode cp = (ObjectNode) receipt.get("checkpoint");
    byte[] sig = Base64.getDecoder().decode(cp.path("signature").asText());
    sig[10] ^= 0x01;
    cp.put("signature", Base64.getEncoder().encodeToString(sig));
    String compact = GrantCodec.sign(withReceipt(real, receipt), world.engineKey);

    assertProblem(h.call("deployer", compact, payload), 403, "grant-invalid", "receipt_invalid");
    h.assertRefusalRecorded("grant-invalid", "receipt_invalid");
    assertNothingExecuted();
  }

  @Test
  void grantWithReceiptFromAnotherLedgerKey_isRefusedReceiptInvalid() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "10");
    try (GovernedWorld rogue = new GovernedWorld(dir.resolve("rogue"))) {
      Grant g = rogue.grant("deployer", "deploy", new Target("service", "payments-api"), payload,
          Instant.now().minusSeconds(5), Instant.now().plusSeconds(300));
      String compact = GrantCodec.sign(g, world.engineKey);

      assertProblem(h.call("deployer", compact, payload), 403, "grant-invalid", "receipt_invalid");
      h.assertRefusalRecorded("grant-invalid", "receipt_invalid");
    }
    assertNothingExecuted();
  }

  @Test
  void ledgerDown_callIsRefused503_toolNotCalled_andGrantStaysBurned() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "11");
    MintedGrant g = world.mint("deployer", "deploy", payload);
    h.recorder.down(true);

    assertProblem(h.call("deployer", g.compact(), payload), 503, "ledger-unavailable", null);
    assertNothingExecuted();

    // The ledger is back: the grant was burned before the start failed, so it is not honoured later,
    // and the gateway tells the ledger it gave that grant up (retried until the ledger hears it).
    Thread.sleep(600);
    assertThat(h.recorder.abandoned()).as("not heard while down").isEmpty();
    h.recorder.down(false);
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
    while (h.recorder.abandoned().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(h.recorder.abandoned()).containsExactly(g.grantId());
    assertProblem(h.call("deployer", g.compact(), payload), 409, "grant-already-used", null);
    h.assertRefusalRecorded("grant-already-used", null);
    assertNothingExecuted();
  }

  @Test
  void toolCalledDirectlyWithAValidGrant_refusesUngovernedCall() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "12");
    MintedGrant g = world.mint("deployer", "deploy", payload);
    var request = java.net.http.HttpRequest.newBuilder(GatewayHarness.toolUri(h.deployer))
        .header("Arbiter-Grant", g.compact()).header("Content-Type", "application/json")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(CanonicalJson.encode(payload))).build();

    HttpResponse<String> r = h.http.send(request, HttpResponse.BodyHandlers.ofString());

    assertProblem(r, 403, "ungoverned-call", "gateway_proof_missing");
    assertThat(toolLog(h.deployer)).isEmpty();
    // The grant was never burned nor recorded: it still works through the gateway.
    assertThat(h.call("deployer", g.compact(), payload).statusCode()).isEqualTo(200);
  }

  @Test
  void gatewayRestartedBetweenTwoUses_secondIsRefused409() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "13");
    MintedGrant g = world.mint("deployer", "deploy", payload);
    assertThat(h.call("deployer", g.compact(), payload).statusCode()).isEqualTo(200);

    h.restartGateway();

    assertProblem(h.call("deployer", g.compact(), payload), 409, "grant-already-used", null);
    h.assertRefusalRecorded("grant-already-used", null);
    assertThat(toolLog(h.deployer)).hasSize(1);
    assertThat(h.recorder.eventTypes(g.grantId())).containsExactly("execution.started", "execution.confirmed");
  }

  @Test
  void toolDown_502_andTheLedgerRecordsThatNothingWasForwarded() throws Exception {
    // Black-box run: a refused connection was recorded as "upstream_unreachable" (it may have run),
    // though no byte of the call can have reached a tool that refused the connection.
    ObjectNode payload = GovernedWorld.payload("payments-api", "14");
    MintedGrant g = world.mint("deployer", "deploy", payload);
    h.deployer.close();

    HttpResponse<String> r = h.call("deployer", g.compact(), payload);
    assertProblem(r, 502, "upstream-failed", "not_forwarded");
    assertThat(r.body()).contains("nothing was forwarded");
    assertThat(h.recorder.eventTypes(g.grantId())).containsExactly("execution.started", "execution.failed");
    assertThat(failureReason(g.grantId())).isEqualTo("not_forwarded");
  }

  /** The {@code reason} of the grant's {@code execution.failed}. */
  private String failureReason(String grantId) {
    return h.recorder.events().stream()
        .filter(e -> e.envelope().eventType().equals("execution.failed"))
        .filter(e -> grantId.equals(e.envelope().payload().path("grant_id").asText()))
        .map(e -> e.envelope().payload().path("reason").asText()).findFirst().orElseThrow();
  }

  @Test
  void burnStoreUnavailable_callIsRefused503_andNothingRuns() throws Exception {
    h.gateway.close();
    BurnStore broken = BurnStore.open(dir.resolve("broken.db"), Clock.systemUTC());
    broken.close(); // every burn now fails: the store cannot answer
    h.gateway = GatewayServer.start(h.config(), broken);
    ObjectNode payload = GovernedWorld.payload("payments-api", "15");
    MintedGrant g = world.mint("deployer", "deploy", payload);

    assertProblem(h.call("deployer", g.compact(), payload), 503, "burn-store-unavailable", null);
    assertNothingExecuted();
  }

  @Test
  void burnCannotBeMadeDurable_callIsRefused503_startIsClosedAsFailed_andNothingRuns() throws Exception {
    FailingFlush burns = gatewayWithScriptedBurnFlushes("flaky.db");
    burns.failing.set(true);
    ObjectNode payload = GovernedWorld.payload("payments-api", "15b");
    MintedGrant g = world.mint("deployer", "deploy", payload);

    assertProblem(h.call("deployer", g.compact(), payload), 503, "burn-store-unavailable", null);
    assertThat(toolLog(h.deployer)).isEmpty();
    // The start was recorded while the burn was being flushed; the ledger says it never ran.
    assertThat(h.recorder.eventTypes(g.grantId())).containsExactly("execution.started", "execution.failed");
    assertThat(failureReason(g.grantId())).as("the ledger says the tool was never called").isEqualTo("not_forwarded");

    // The store refuses from now on, before anything reaches the ledger.
    MintedGrant next = world.mint("deployer", "deploy", GovernedWorld.payload("payments-api", "15c"));
    assertProblem(h.call("deployer", next.compact(), GovernedWorld.payload("payments-api", "15c")), 503,
        "burn-store-unavailable", null);
    assertThat(h.recorder.eventTypes(next.grantId())).isEmpty();
  }

  @Test
  void aSecondUseInTheWinnersGroup_isNotCalledAlreadyUsed_whenTheWinnersBurnNeverReachesTheDisk() throws Exception {
    FailingFlush burns = gatewayWithScriptedBurnFlushes("held.db");
    burns.gated.set(true);
    ObjectNode first = GovernedWorld.payload("payments-api", "15d");
    MintedGrant x = world.mint("deployer", "deploy", first);
    CompletableFuture<HttpResponse<String>> callX = callAsync(x, first);
    awaitBurned(burns, x.grantId()); // x's group is committed; its flush waits at the gate
    ObjectNode payload = GovernedWorld.payload("payments-api", "15e");
    MintedGrant g = world.mint("deployer", "deploy", payload);
    CompletableFuture<HttpResponse<String>> a = callAsync(g, payload);
    CompletableFuture<HttpResponse<String>> b = callAsync(g, payload);
    Thread.sleep(500); // both uses of g queue behind x's flush: they form the next group

    burns.gate.release(); // x's flush passes; g's group commits (one use wins) and its flush waits
    assertThat(callX.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    awaitBurned(burns, g.grantId());
    burns.failing.set(true);
    burns.gate.release(); // g's group is never on disk

    // Neither use ran, and neither is told "already used" on the strength of a row that is not on disk.
    assertThat(List.of(a.get(10, TimeUnit.SECONDS).statusCode(), b.get(10, TimeUnit.SECONDS).statusCode()))
        .containsExactly(503, 503);
    assertThat(toolLog(h.deployer)).hasSize(1);
  }

  /** Restarts the gateway on a burn store whose flushes the test can hold and fail. */
  private FailingFlush gatewayWithScriptedBurnFlushes(String file) throws Exception {
    h.gateway.close();
    FailingFlush burns = new FailingFlush(dir.resolve(file));
    h.gateway = GatewayServer.start(h.config(), burns.store);
    return burns;
  }

  private CompletableFuture<HttpResponse<String>> callAsync(MintedGrant grant, ObjectNode payload) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return h.call("deployer", grant.compact(), payload);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private static void awaitBurned(FailingFlush burns, String grantId) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!burns.store.isBurned(grantId)) {
      assertThat(System.nanoTime()).as("burn of " + grantId + " committed in time").isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  @Test
  void secondGatewayWithItsOwnBurnStore_cannotMakeTheToolRunAGrantTwice() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "16");
    MintedGrant g = world.mint("deployer", "deploy", payload);
    assertThat(h.call("deployer", g.compact(), payload).statusCode()).isEqualTo(200);
    GatewayConfig c = h.config();
    GatewayConfig misconfigured = new GatewayConfig(c.host(), 0, c.tools(), c.trustedEngineKeys(), c.trustedLedgerKey(),
        c.gatewayKey(), dir.resolve("another-burn-store.db"), c.recorder(), c.clock(), c.skew());
    h.gateway.close();
    h.gateway = GatewayServer.start(misconfigured);

    HttpResponse<String> r = h.call("deployer", g.compact(), payload);

    // The tool's own de-duplication refuses it; the gateway passes the tool's answer on and records the failure.
    assertProblem(r, 409, "grant-already-used", null);
    assertThat(toolLog(h.deployer)).hasSize(1);
    assertThat(h.recorder.eventTypes(g.grantId()))
        .containsExactly("execution.started", "execution.confirmed", "execution.started", "execution.failed");
    assertThat(failureReason(g.grantId())).as("the tool answered, not 2xx").isEqualTo("upstream_status");
  }

  @Test
  void sampleToolRestarted_stillRefusesGrantsItExecuted() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "17");
    MintedGrant g = world.mint("deployer", "deploy", payload);
    assertThat(h.call("deployer", g.compact(), payload).statusCode()).isEqualTo(200);
    Path log = h.deployer.executionLog();
    h.deployer.close();
    try (SampleTool again = SampleTool.start("127.0.0.1", 0, h.verifier("deployer"), "deployer", log, Clock.systemUTC())) {
      byte[] body = CanonicalJson.encode(payload);
      String proof = new GatewayProof(g.grantId(), "deployer", "POST", SampleTool.PATH, GatewayProof.bodyHash(body),
          Instant.now(), "bm9uY2U").sign(world.gatewayKey);
      HttpRequest request = HttpRequest.newBuilder(GatewayHarness.toolUri(again))
          .header(GatewayProof.GRANT_HEADER, g.compact()).header(GatewayProof.HEADER, proof)
          .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();

      assertProblem(h.http.send(request, HttpResponse.BodyHandlers.ofString()), 409, "grant-already-used", null);
    }
    assertThat(toolLog(h.deployer)).hasSize(1);
  }

  @Test
  void health_isOk() throws Exception {
    var r = h.http.send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + h.gateway.port() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(GatewayHarness.JSON.readTree(r.body()).path("status").asText()).isEqualTo("ok");
  }

  @Test
  void nonLoopbackHostHeader_isRefused421() throws Exception {
    try (Socket s = new Socket("127.0.0.1", h.gateway.port())) {
      OutputStream out = s.getOutputStream();
      out.write(("GET /health HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
      assertThat(status).contains(" 421 ");
    }
  }

  private static Grant withReceipt(Grant g, JsonNode receipt) {
    return new Grant(g.grantId(), g.decisionId(), g.actionClass(), g.tool(), g.target(), g.environment(), g.payloadHash(), g.policyHash(),
        receipt, g.notBefore(), g.expiresAt(), g.nonce());
  }

  private void assertNothingExecuted() throws Exception {
    assertThat(toolLog(h.deployer)).isEmpty();
    assertThat(toolLog(h.billing)).isEmpty();
    assertThat(h.recorder.events()).isEmpty();
  }
}
