package dev.arbiter.gateway;

import static dev.arbiter.gateway.GatewayHarness.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.gateway.GovernedWorld.MintedGrant;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tool cannot hold the gateway: its answer must arrive whole within the route's timeout and be at
 * most {@link dev.arbiter.gateway.http.Upstream}'s limit, else the call is 502 and the ledger records
 * the execution as failed. The tools here are raw sockets that misbehave on purpose.
 */
class UpstreamLimitsTest {
  @TempDir Path dir;

  /** A tool that sends its headers, then {@code body} bytes of an answer announced as {@code length}, one per {@code pause}. */
  private static ServerSocket misbehavingTool(int length, int body, Duration pause) throws Exception {
    ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().start(() -> {
      try (Socket s = ss.accept()) {
        s.getInputStream().read(new byte[65536]);
        OutputStream o = s.getOutputStream();
        o.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        o.flush();
        byte[] chunk = new byte[pause.isZero() ? body : 1];
        java.util.Arrays.fill(chunk, (byte) ' ');
        for (int sent = 0; sent < body; sent += chunk.length) {
          o.write(chunk);
          o.flush();
          Thread.sleep(pause.toMillis());
        }
      } catch (Exception e) {
        // the gateway hung up: expected
      }
    });
    return ss;
  }

  private HttpCall callThrough(GatewayHarness h, ServerSocket tool) throws Exception {
    h.gateway.close();
    GatewayConfig c = h.config();
    h.gateway = GatewayServer.start(new GatewayConfig("127.0.0.1", 0,
        List.of(new ToolRoute("slow", URI.create("http://127.0.0.1:" + tool.getLocalPort() + "/x"), Set.of("deploy"),
            Duration.ofSeconds(1))),
        c.trustedEngineKeys(), c.trustedLedgerKey(), c.gatewayKey(), dir.resolve("b2.db"), c.recorder(), Clock.systemUTC(),
        Duration.ofSeconds(30)));
    ObjectNode payload = GovernedWorld.payload("payments-api", "1.0.0");
    MintedGrant g = h.world.mint("slow", "deploy", payload);
    return new HttpCall(g, h.call("slow", g.compact(), payload));
  }

  private record HttpCall(MintedGrant grant, java.net.http.HttpResponse<String> response) {}

  @Test
  @Timeout(60)
  void aToolThatDripsItsAnswer_isCutOffAtTheRouteTimeout_502_andRecordedFailed() throws Exception {
    try (ServerSocket tool = misbehavingTool(100, 100, Duration.ofMillis(500)); GatewayHarness h = new GatewayHarness(dir)) {
      HttpCall call = callThrough(h, tool);

      assertProblem(call.response(), 502, "upstream-failed", "outcome_unknown");
      assertThat(call.response().body()).as("the tool got the call: it may have run").contains("may have run");
      assertThat(h.recorder.eventTypes(call.grant().grantId())).containsExactly("execution.started", "execution.failed");
    }
  }

  @Test
  @Timeout(60)
  void aToolThatAnswersTooMuch_is502_andRecordedFailed() throws Exception {
    int tooMuch = 1024 * 1024 + 1;
    try (ServerSocket tool = misbehavingTool(tooMuch, tooMuch, Duration.ZERO); GatewayHarness h = new GatewayHarness(dir)) {
      HttpCall call = callThrough(h, tool);

      assertProblem(call.response(), 502, "upstream-failed", "outcome_unknown");
      assertThat(h.recorder.eventTypes(call.grant().grantId())).containsExactly("execution.started", "execution.failed");
    }
  }
}
