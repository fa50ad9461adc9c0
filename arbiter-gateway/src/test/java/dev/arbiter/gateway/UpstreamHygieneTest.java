package dev.arbiter.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.StrictJson;
import dev.arbiter.core.grant.Grant;
import dev.arbiter.gateway.GovernedWorld.MintedGrant;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway carries grants to tools, so its client must not carry anything else along: a tool's
 * cookie never comes back on a later call, a tool's redirect is not followed (it would take the
 * grant and the gateway's proof somewhere the configuration did not name), and the body a tool
 * receives is the canonical payload the grant binds, not the caller's spelling of it.
 */
class UpstreamHygieneTest {
  @TempDir Path dir;
  GatewayHarness h;
  Javalin tool;
  final List<String> cookiesSeen = new CopyOnWriteArrayList<>();
  final List<String> acceptEncodingsSeen = new CopyOnWriteArrayList<>();
  final List<String> bodiesSeen = new CopyOnWriteArrayList<>();
  final AtomicInteger redirectTargetHits = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    h = new GatewayHarness(dir);
    tool = Javalin.create(c -> {
      c.showJavalinBanner = false;
      c.startupWatcherEnabled = false;
    });
    tool.post("/sticky", ctx -> {
      cookiesSeen.add(String.valueOf(ctx.header("Cookie")));
      acceptEncodingsSeen.add(String.valueOf(ctx.header("Accept-Encoding")));
      bodiesSeen.add(new String(ctx.bodyAsBytes(), StandardCharsets.UTF_8));
      ctx.header("Set-Cookie", "session=from-the-tool; Path=/").contentType("application/json").result("{}");
    });
    tool.post("/slow", ctx -> {
      Thread.sleep(dev.arbiter.gateway.http.StrictHttpClient.IDLE_BETWEEN_CALLS_MILLIS + 1_500);
      ctx.contentType("application/json").result("{}");
    });
    tool.post("/unauthorized", ctx -> ctx.status(401).contentType("application/json").result("{\"error\":\"no\"}"));
    tool.post("/moved", ctx -> ctx.status(307).header("Location", "/elsewhere").result(""));
    tool.post("/elsewhere", ctx -> {
      redirectTargetHits.incrementAndGet();
      ctx.contentType("application/json").result("{}");
    });
    tool.start("127.0.0.1", 0);
    h.gateway.close();
    GatewayConfig c = h.config();
    h.gateway = GatewayServer.start(new GatewayConfig("127.0.0.1", 0, List.of(
        new ToolRoute("sticky", URI.create("http://127.0.0.1:" + tool.port() + "/sticky"), Set.of("deploy"), Duration.ofSeconds(5)),
        new ToolRoute("moved", URI.create("http://127.0.0.1:" + tool.port() + "/moved"), Set.of("deploy"), Duration.ofSeconds(5)),
        new ToolRoute("unauthorized", URI.create("http://127.0.0.1:" + tool.port() + "/unauthorized"), Set.of("deploy"),
            Duration.ofSeconds(5)),
        new ToolRoute("slow", URI.create("http://127.0.0.1:" + tool.port() + "/slow"), Set.of("deploy"), Duration.ofSeconds(30))),
        c.trustedEngineKeys(), c.trustedLedgerKey(), c.gatewayKey(), dir.resolve("b2.db"), c.recorder(), Clock.systemUTC(),
        Duration.ofSeconds(30)));
  }

  @AfterEach
  void stop() {
    h.close();
    tool.stop();
  }

  private record Call(MintedGrant grant, HttpResponse<String> response) {
    List<String> recorded(GatewayHarness h) {
      return h.recorder.eventTypes(grant.grantId());
    }
  }

  /** A governed call to {@code toolName} with a fresh valid grant. */
  private Call governed(String toolName) throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "1.0.0");
    MintedGrant g = h.world.mint(toolName, "deploy", payload);
    return new Call(g, h.call(toolName, g.compact(), payload));
  }

  @Test
  void aToolsCookie_isNotSentOnTheNextCall() throws Exception {
    assertThat(governed("sticky").response().statusCode()).isEqualTo(200);
    assertThat(governed("sticky").response().statusCode()).isEqualTo(200);

    assertThat(cookiesSeen).containsExactly("null", "null");
  }

  /** The gateway hashes the bytes the tool sent: it never asks for a compressed answer. */
  @Test
  void theGateway_offersNoContentEncoding() throws Exception {
    assertThat(governed("sticky").response().statusCode()).isEqualTo(200);

    assertThat(acceptEncodingsSeen).containsExactly("null");
  }

  /**
   * A body with the grant's canonical hash but another spelling (key order, whitespace, an escape, a
   * decimal with more digits than a double holds) is accepted, and the tool receives the canonical
   * bytes: what the engine signed, not digits its own parser might read as another amount.
   */
  @Test
  void theToolReceivesTheCanonicalPayload_notTheCallersSpelling() throws Exception {
    ObjectNode payload = JsonNodeFactory.instance.objectNode().put("service", "payments-api").put("note", "é")
        .put("amount", 100.5);
    MintedGrant g = h.world.mint("sticky", "deploy", payload);
    String spelled = "{ \"service\" : \"payments-api\", \"note\": \"\\u00e9\", \"amount\": 100.50000000000000001 }";
    assertThat(Grant.payloadHash(StrictJson.parse(spelled.getBytes(StandardCharsets.UTF_8)))).isEqualTo(g.grant().payloadHash());

    HttpResponse<String> r = h.call("sticky", g.compact(), spelled.getBytes(StandardCharsets.UTF_8), Map.of());

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(bodiesSeen).containsExactly("{\"amount\":100.5,\"note\":\"é\",\"service\":\"payments-api\"}");
    assertThat(h.recorder.eventTypes(g.grantId())).containsExactly("execution.started", "execution.confirmed");
  }

  /** A tool's 401 without a challenge header is the tool's answer, not a failure of the gateway's client. */
  @Test
  void aToolsUnauthorizedAnswer_isPassedBack_andRecordedFailed() throws Exception {
    Call call = governed("unauthorized");

    assertThat(call.response().statusCode()).isEqualTo(401);
    assertThat(call.response().body()).isEqualTo("{\"error\":\"no\"}");
    assertThat(call.recorded(h)).containsExactly("execution.started", "execution.failed");
  }

  /** The gateway accepts 8 KiB of request headers; what it forwards (the grant and its proof) must fit too. */
  @Test
  void aGrantWithALongTarget_isForwarded() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "1.0.0");
    MintedGrant g = h.world.mint("sticky", "deploy", new dev.arbiter.core.decision.Target("service", "x".repeat(3_000)),
        payload, java.time.Instant.now().minusSeconds(5), java.time.Instant.now().plusSeconds(300), h.world.engineKey);
    assertThat(g.compact().length()).isGreaterThan(4_096);

    HttpResponse<String> r = h.call("sticky", g.compact(), payload);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  /** Idle pooled connections close after a few seconds; a call that takes longer is bound by its route's timeout only. */
  @Test
  void aToolSlowerThanTheIdleTimeoutBetweenCalls_butWithinItsRouteTimeout_isConfirmed() throws Exception {
    Call call = governed("slow");

    assertThat(call.response().statusCode()).as(call.response().body()).isEqualTo(200);
    assertThat(call.recorded(h)).containsExactly("execution.started", "execution.confirmed");
  }

  @Test
  void aToolsRedirect_isNotFollowed_andTheExecutionIsRecordedFailed() throws Exception {
    Call call = governed("moved");

    assertThat(call.response().statusCode()).isEqualTo(307);
    assertThat(redirectTargetHits).hasValue(0);
    assertThat(call.recorded(h)).containsExactly("execution.started", "execution.failed");
  }
}
