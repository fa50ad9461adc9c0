package dev.arbiter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.Javalin;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code arbiter agent} against an engine that answers from a script: what the real engine does not
 * do on its own (a malformed grant, a decision cancelled while the agent waits, an engine that is
 * down for a while). The gateway here is a listener that only counts calls: none may arrive.
 */
class AgentScriptedEngineTest {
  private static final String ID = "dec_01TESTSCRIPTEDENGINE00000";

  @TempDir Path dir;
  private Javalin engine;
  private Javalin gateway;
  private final ConcurrentLinkedQueue<String[]> polls = new ConcurrentLinkedQueue<>();
  private final AtomicInteger gatewayCalls = new AtomicInteger();
  private final AtomicInteger proposals = new AtomicInteger();
  private volatile String submitAnswer;

  @BeforeEach
  void start() {
    engine = Javalin.create(c -> c.showJavalinBanner = false)
        .post("/v1/decisions", ctx -> {
          proposals.incrementAndGet();
          ctx.status(201).contentType("application/json").result(submitAnswer);
        })
        .get("/v1/decisions/{id}", ctx -> {
          String[] next = polls.size() > 1 ? polls.poll() : polls.peek(); // the last answer repeats
          ctx.status(Integer.parseInt(next[0])).contentType("application/json").result(next[1]);
        })
        .start("127.0.0.1", 0);
    gateway = Javalin.create(c -> c.showJavalinBanner = false)
        .post("/tools/{tool}", ctx -> ctx.status(200).result("{\"counted\":" + gatewayCalls.incrementAndGet() + "}"))
        .start("127.0.0.1", 0);
  }

  @AfterEach
  void stop() {
    engine.stop();
    gateway.stop();
  }

  @Test
  void aGrantThatIsNotACompactJws_isNeitherSentNorShown() throws Exception {
    submitAnswer = "{\"decision_id\":\"" + ID + "\",\"outcome\":\"allow\",\"status\":\"authorized\","
        + "\"grant\":\"a.b.c\\r\\nX-Injected: 1 sensitive-part\"}";
    CliRun r = agent();
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).contains("holds no well-formed grant").doesNotContain("sensitive-part").doesNotContain("X-Injected");
    assertThat(gatewayCalls).hasValue(0);
  }

  @Test
  void aDecisionCancelledWhileTheAgentWaits_endsWithExitOne() throws Exception {
    submitAnswer = pending();
    polls.add(new String[] {"200", decision("pending_authority", "")});
    polls.add(new String[] {"200", decision("cancelled", "\"reasons\":[\"cancelled by the proposer\"],")});
    CliRun r = agent("--wait", "20s");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).contains("decision " + ID + " is cancelled: cancelled by the proposer; nothing to execute");
    assertThat(gatewayCalls).hasValue(0);
  }

  @Test
  void anEngineDownForAWhile_isWaitedFor_andTheWaitStillEnds() throws Exception {
    submitAnswer = pending();
    polls.add(new String[] {"503", "{\"type\":\"https://arbiter.dev/problems/ledger-unavailable\",\"status\":503}"});
    polls.add(new String[] {"503", "{\"type\":\"https://arbiter.dev/problems/ledger-unavailable\",\"status\":503}"});
    polls.add(new String[] {"200", decision("pending_authority", "")});
    CliRun r = agent("--wait", "6s"); // room for the two failing polls and a good one on a slow machine
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    assertThat(r.err()).containsOnlyOnce("still waiting").contains("the engine answers again")
        .contains("is still pending after 6s");
    assertThat(gatewayCalls).hasValue(0);
  }

  @Test
  void argumentsThatWouldFailLate_areRefusedBeforeAnythingIsProposed() throws Exception {
    submitAnswer = pending();
    polls.add(new String[] {"200", decision("pending_authority", "")});
    for (String[] bad : List.of(
        new String[] {"--wait", "3000000h"}, // past Duration#toNanos: an overflow once waiting
        new String[] {"--wait", "8d"},
        new String[] {"--gateway", "http://127.0.0.1:99999"},
        new String[] {"--save-grant", dir.resolve("no-such-dir").resolve("g.jws").toString()})) {
      CliRun r = agent(bad);
      assertThat(r.exitCode()).as("%s\n%s", String.join(" ", bad), r).isEqualTo(2);
      assertThat(r.err()).doesNotContain("internal error");
    }
    assertThat(proposals).hasValue(0);
  }

  @Test
  void anEngineAnsweringWithTerminalEscapes_cannotWriteThemToTheTerminal() throws Exception {
    try (ServerSocket raw = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread server = Thread.ofVirtual().start(() -> {
        try (Socket c = raw.accept()) {
          c.getInputStream().read(new byte[8192]);
          c.getOutputStream().write("HTTP/1.1 2\u001b[31mRED\u001b]0;title\u0007 OK\r\nContent-Length: 0\r\n\r\n"
              .getBytes(StandardCharsets.ISO_8859_1));
          c.getOutputStream().flush();
          Thread.sleep(500);
        } catch (Exception ignored) {
          // the client hung up
        }
      });
      Path req = request();
      CliRun r = CliRun.of("agent", "--request", req.toString(), "--engine", "http://127.0.0.1:" + raw.getLocalPort(),
          "--gateway", "http://127.0.0.1:" + gateway.port(), "--token-file", token().toString());
      server.join(5000);
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
      assertThat(r.err()).doesNotContain("\u001b").doesNotContain("\u0007");
    }
    assertThat(gatewayCalls).hasValue(0);
  }

  private Path request() throws Exception {
    Path req = dir.resolve("req.json");
    Files.writeString(req, "{\"action\":{\"class\":\"deploy\",\"tool\":\"deployer\",\"target\":{\"type\":\"service\",\"id\":\"x\"},"
        + "\"payload\":{\"v\":1}},\"context\":{\"environment\":\"dev\"}}");
    return req;
  }

  private Path token() throws Exception {
    Path token = dir.resolve("agent.token");
    Files.writeString(token, "opaque-agent-token");
    return token;
  }

  private CliRun agent(String... more) throws Exception {
    Path req = request();
    Path token = token();
    String[] base = {"agent", "--request", req.toString(), "--engine", "http://127.0.0.1:" + engine.port(),
        "--gateway", "http://127.0.0.1:" + gateway.port(), "--token-file", token.toString()};
    String[] args = java.util.Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, args, base.length, more.length);
    return CliRun.of(args);
  }

  private static String pending() {
    return decision("pending_authority", "");
  }

  private static String decision(String status, String extra) {
    return "{\"decision_id\":\"" + ID + "\",\"outcome\":\"" + (status.equals("pending_authority") ? status : "deny") + "\","
        + extra + "\"status\":\"" + status + "\",\"authority\":{\"min_signatures\":2,\"distinct\":true},"
        + "\"approvals\":{\"accepted\":[],\"counted\":0}}";
  }
}
