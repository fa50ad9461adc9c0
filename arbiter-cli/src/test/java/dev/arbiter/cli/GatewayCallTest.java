package dev.arbiter.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The agent's one governed call against gateways that misbehave on the wire (raw sockets): what the
 * agent says must match what may have happened to the grant, and no answer may hold it forever.
 */
class GatewayCallTest {
  private static final String GRANT = "aGVhZGVy.cGF5bG9hZA.c2ln";

  @Test
  void aBodyThatStalls_endsAtTheDeadline_andSaysTheGrantMayBeUsed() throws Exception {
    try (ServerSocket raw = listener()) {
      Thread server = answerOnce(raw, "HTTP/1.1 200 OK\r\nArbiter-Execution-Id: exe_1\r\nContent-Length: 100\r\n\r\nabcde", 10_000);
      GatewayCall call = new GatewayCall(URI.create("http://127.0.0.1:" + raw.getLocalPort()), Duration.ofSeconds(1));
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> call.execute(action(), GRANT)).isInstanceOfSatisfying(CliFailure.class, f -> {
        assertThat(f.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(f.getMessage()).contains("did not answer within 1 s").contains("may have reached the tool");
      });
      assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(8));
      server.interrupt();
    }
  }

  @Test
  void aToolAnswerPastTheBound_stillSaysTheToolRan_withItsStatus() throws Exception {
    try (ServerSocket raw = listener()) {
      int size = (1 << 20) + 10;
      answerOnce(raw, "HTTP/1.1 200 OK\r\nArbiter-Execution-Id: exe_2\r\nContent-Length: " + size + "\r\n\r\n" + "x".repeat(size), 3000);
      GatewayCall.Answer a = new GatewayCall(URI.create("http://127.0.0.1:" + raw.getLocalPort()), Duration.ofSeconds(10))
          .execute(action(), GRANT);
      assertThat(a.status()).isEqualTo(200);
      assertThat(a.executionId()).isEqualTo("exe_2");
      assertThat(a.exitCode()).isEqualTo(ExitCodes.OK);
      assertThat(a.body()).contains("larger than").doesNotContain("xxxx");
    }
  }

  @Test
  void theGatewayLosingTheToolsAnswer_saysTheToolMayHaveRun() throws Exception {
    try (ServerSocket raw = listener()) {
      String problem = "{\"type\":\"https://arbiter.dev/problems/upstream-failed\",\"status\":502,"
          + "\"detail\":\"tool `deployer` could not be reached\"}";
      answerOnce(raw, "HTTP/1.1 502 Bad Gateway\r\nContent-Type: application/problem+json\r\nContent-Length: "
          + problem.length() + "\r\n\r\n" + problem, 2000);
      GatewayCall call = new GatewayCall(URI.create("http://127.0.0.1:" + raw.getLocalPort()), Duration.ofSeconds(10));
      assertThatThrownBy(() -> call.execute(action(), GRANT)).isInstanceOfSatisfying(CliFailure.class, f -> {
        assertThat(f.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(f.getMessage()).contains("HTTP 502 upstream-failed").contains("may have reached the tool");
      });
    }
  }

  @Test
  void nothingListening_saysTheGrantIsUnused() throws Exception {
    int closed;
    try (ServerSocket s = listener()) {
      closed = s.getLocalPort();
    }
    GatewayCall call = new GatewayCall(URI.create("http://127.0.0.1:" + closed), Duration.ofSeconds(5));
    assertThatThrownBy(() -> call.execute(action(), GRANT)).isInstanceOfSatisfying(CliFailure.class, f -> {
      assertThat(f.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
      assertThat(f.getMessage()).contains("nothing was sent, the grant is unused").doesNotContain(GRANT);
    });
  }

  private static ServerSocket listener() throws IOException {
    return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
  }

  /** Reads the request's head, writes {@code answer}, then keeps the connection open for {@code holdMs}. */
  private static Thread answerOnce(ServerSocket raw, String answer, long holdMs) {
    return Thread.ofPlatform().daemon(true).start(() -> {
      try (Socket c = raw.accept()) {
        InputStream in = c.getInputStream();
        in.read(new byte[16384]);
        OutputStream out = c.getOutputStream();
        out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        Thread.sleep(holdMs);
      } catch (IOException | InterruptedException ignored) {
        // the client hung up, or the test is over
      }
    });
  }

  private static AgentCommand.Action action() throws Exception {
    return AgentCommand.Action.of(new ObjectMapper().readTree(
        "{\"action\":{\"class\":\"deploy\",\"tool\":\"deployer\",\"target\":{\"type\":\"service\",\"id\":\"x\"},\"payload\":{}}}"));
  }
}
