package dev.arbiter.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.gateway.GovernedWorld.MintedGrant;
import dev.arbiter.gateway.burn.FailingFlush;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway under faults that are not forgeries: a stalled disk, a slow client, a stop while a tool
 * executes, a tool's interim answer, a grant too long to forward. None may hang the gateway, cut off
 * an execution that happened, or spend a decision's one execution on something that cannot run.
 */
class GatewayRobustnessTest {
  @TempDir Path dir;
  GatewayHarness h;

  @BeforeEach
  void start() throws Exception {
    h = new GatewayHarness(dir);
  }

  @AfterEach
  void stop() {
    h.close();
  }

  /** A tool on a raw socket: reads the request, writes {@code answer} after {@code delayMs}. */
  static ServerSocket rawTool(String answer, long delayMs, AtomicBoolean executed) throws Exception {
    ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().start(() -> {
      try (Socket s = ss.accept()) {
        s.getInputStream().read(new byte[65536]);
        executed.set(true);
        Thread.sleep(delayMs);
        OutputStream o = s.getOutputStream();
        o.write(answer.getBytes(StandardCharsets.US_ASCII));
        o.flush();
        Thread.sleep(1000);
      } catch (Exception e) {
        // the gateway hung up
      }
    });
    return ss;
  }

  void routeTo(ServerSocket tool) throws Exception {
    h.gateway.close();
    var c = h.config();
    h.gateway = GatewayServer.start(new GatewayConfig("127.0.0.1", 0,
        List.of(new ToolRoute("raw", URI.create("http://127.0.0.1:" + tool.getLocalPort() + "/x"), Set.of("deploy"),
            Duration.ofSeconds(5))),
        c.trustedEngineKeys(), c.trustedLedgerKey(), c.gatewayKey(), dir.resolve("b2.db"), c.recorder(),
        Clock.systemUTC(), Duration.ofSeconds(30)));
  }

  private HttpResponse<String> health() throws Exception {
    return h.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.gateway.port() + "/health")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** RFC 9110 15.2: a client must read past interim answers it did not ask for. */
  @Test
  @Timeout(30)
  void aToolsInterim100Continue_thenItsFinal200_isConfirmed() throws Exception {
    AtomicBoolean executed = new AtomicBoolean();
    try (ServerSocket tool = rawTool("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + "Content-Length: 2\r\n\r\n{}", 0, executed)) {
      routeTo(tool);
      ObjectNode payload = GovernedWorld.payload("payments-api", "1");
      MintedGrant g = h.world.mint("raw", "deploy", payload);

      HttpResponse<String> r = h.call("raw", g.compact(), payload);

      assertThat(executed).isTrue();
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(h.recorder.eventTypes(g.grantId())).containsExactly("execution.started", "execution.confirmed");
    }
  }

  @Test
  @Timeout(30)
  void stoppingTheGateway_letsACallInFlightFinish_andRefusesNewOnes() throws Exception {
    AtomicBoolean executed = new AtomicBoolean();
    try (ServerSocket tool = rawTool("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
        1500, executed)) {
      routeTo(tool);
      ObjectNode payload = GovernedWorld.payload("payments-api", "1");
      MintedGrant g = h.world.mint("raw", "deploy", payload);
      CompletableFuture<Integer> call = CompletableFuture.supplyAsync(() -> {
        try {
          return h.call("raw", g.compact(), payload).statusCode();
        } catch (Exception e) {
          return -1; // connection closed without an answer
        }
      });
      while (!executed.get()) {
        Thread.sleep(10);
      }
      GatewayServer stopping = h.gateway;
      CompletableFuture<Void> closed = CompletableFuture.runAsync(stopping::close);
      Thread.sleep(200);
      ObjectNode other = GovernedWorld.payload("payments-api", "2");
      MintedGrant late = h.world.mint("raw", "deploy", other);
      var refusedLate = h.call("raw", late.compact(), other);
      GatewayHarness.assertProblem(refusedLate, 503, "gateway-stopping", null);
      assertThat(refusedLate.headers().firstValue("Retry-After")).as("nothing burned: a retry can run").contains("2");

      assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo(200);
      closed.get(10, TimeUnit.SECONDS);
      assertThat(h.recorder.eventTypes(g.grantId())).containsExactly("execution.started", "execution.confirmed");
      assertThat(h.recorder.eventTypes(late.grantId())).isEmpty();
      h.gateway = GatewayServer.start(h.config());
    }
  }

  /** A flush that never returns (a stalled disk): calls are refused in bounded time, health says so, close returns. */
  @Test
  @Timeout(60)
  void aStalledBurnFlush_isAnswered503_notAHang() throws Exception {
    h.gateway.close();
    FailingFlush burns = new FailingFlush(dir.resolve("stall.db"), Duration.ofSeconds(1));
    burns.gated.set(true);
    h.gateway = GatewayServer.start(h.config(), burns.store);
    ObjectNode payload = GovernedWorld.payload("payments-api", "s");
    MintedGrant g = h.world.mint("deployer", "deploy", payload);
    try {
      GatewayHarness.assertProblem(h.call("deployer", g.compact(), payload), 503, "burn-store-unavailable", null);
      ObjectNode next = GovernedWorld.payload("payments-api", "t");
      long t0 = System.nanoTime();
      GatewayHarness.assertProblem(h.call("deployer", h.world.mint("deployer", "deploy", next).compact(), next), 503,
          "burn-store-unavailable", null);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("refused at once, not after another wait")
          .isLessThan(Duration.ofSeconds(1));
      assertThat(health().statusCode()).isEqualTo(503);
      assertThat(GatewayHarness.toolLog(h.deployer)).isEmpty();
      CompletableFuture<Void> closed = CompletableFuture.runAsync(h.gateway::close);
      closed.get(15, TimeUnit.SECONDS); // bounded (3 × the answer timeout) although the flush still hangs
    } finally {
      burns.gate.release(1000);
      h.gateway = GatewayServer.start(h.config());
    }
  }

  @Test
  @Timeout(30)
  void health_isNotOk_whileEveryCallIsRefusedForABrokenBurnStore() throws Exception {
    assertThat(health().statusCode()).isEqualTo(200);
    h.gateway.close();
    FailingFlush burns = new FailingFlush(dir.resolve("broken.db"));
    burns.failing.set(true);
    h.gateway = GatewayServer.start(h.config(), burns.store);
    ObjectNode payload = GovernedWorld.payload("payments-api", "h1");

    GatewayHarness.assertProblem(h.call("deployer", h.world.mint("deployer", "deploy", payload).compact(), payload), 503,
        "burn-store-unavailable", null);

    HttpResponse<String> health = health();
    assertThat(health.statusCode()).as(health.body()).isEqualTo(503);
    assertThat(health.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
  }

  /** A body sent a byte at a time, each within the idle timeout, is cut off rather than held open. */
  @Test
  @Timeout(60)
  void aDribbledBody_isCutOff_evenWithAValidGrant() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "d");
    MintedGrant g = h.world.mint("deployer", "deploy", payload);
    byte[] body = dev.arbiter.core.canonical.CanonicalJson.encode(payload);
    try (Socket s = new Socket("127.0.0.1", h.gateway.port())) {
      s.setSoTimeout(1000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /tools/deployer HTTP/1.1\r\nHost: 127.0.0.1\r\nArbiter-Grant: " + g.compact()
          + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String answer = null;
      for (int i = 0; i < body.length - 1 && answer == null; i++) {
        try {
          out.write(body[i]);
          out.flush();
          byte[] got = in.readNBytes(12);
          answer = new String(got, StandardCharsets.US_ASCII);
        } catch (java.net.SocketTimeoutException e) {
          // nothing yet: one more byte after a second
        } catch (java.io.IOException e) {
          answer = "closed";
        }
      }
      assertThat(answer).as("the gateway still waited for the body after %d s", body.length).isNotNull();
      assertThat(answer).doesNotStartWith("HTTP/1.1 2");
    }
    assertThat(GatewayHarness.toolLog(h.deployer)).isEmpty();
  }

  /** A grant longer than a tool's headers can take is refused before the burn, not spent on a 431. */
  @Test
  @Timeout(30)
  void aGrantTooLongToForward_isRefusedBeforeItIsBurned() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "1.0.0");
    MintedGrant g = h.world.mint("deployer", "deploy", new dev.arbiter.core.decision.Target("service", "x".repeat(4_300)),
        payload, Instant.now().minusSeconds(5), Instant.now().plusSeconds(300), h.world.engineKey);
    assertThat(g.compact().length()).isBetween(dev.arbiter.gateway.http.ToolCallHandler.MAX_GRANT_CHARS, 8 * 1024);

    GatewayHarness.assertProblem(h.call("deployer", g.compact(), payload), 403, "grant-invalid", "grant_too_large");

    assertThat(h.recorder.eventTypes(g.grantId())).isEmpty();
    assertThat(GatewayHarness.toolLog(h.deployer)).isEmpty();
  }

  /** The largest grant the gateway accepts reaches the sample tool, which takes it. */
  @Test
  @Timeout(30)
  void theLongestGrantTheGatewayAccepts_isExecuted() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "1.0.0");
    int max = dev.arbiter.gateway.http.ToolCallHandler.MAX_GRANT_CHARS;
    int targetLength = 3_000;
    MintedGrant g = null;
    // Aim a little under the limit: the receipt's proof, and so the grant, grows as the ledger does.
    for (int i = 0; i < 20; i++) {
      g = h.world.mint("deployer", "deploy", new dev.arbiter.core.decision.Target("service", "x".repeat(targetLength)),
          payload, Instant.now().minusSeconds(5), Instant.now().plusSeconds(300), h.world.engineKey);
      int length = g.compact().length();
      if (length > max - 300 && length <= max) {
        break;
      }
      targetLength += (max - 150 - length) * 3 / 4; // base64: 4 characters for 3 bytes
    }
    assertThat(g.compact().length()).isBetween(max - 300, max);

    HttpResponse<String> r = h.call("deployer", g.compact(), payload);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(GatewayHarness.toolLog(h.deployer)).hasSize(1);
  }
}
