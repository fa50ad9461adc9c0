package dev.arbiter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code arbiter agent} against a real quickstart (engine, ledger, dev issuer, gateway and sample tool
 * in their own process): it waits for two real approvals, executes through the gateway exactly once,
 * and every way it can end says so with the right exit code, without ever printing the grant.
 */
class AgentCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern DECISION = Pattern.compile("decision (dec_[0-9A-Za-z]+)");

  @TempDir static Path dir;
  private static QuickstartProcess quickstart;
  private static Path qsFile;
  private static JsonNode qs;

  @BeforeAll
  static void startQuickstart() throws Exception {
    quickstart = QuickstartProcess.start(dir);
    qsFile = quickstart.file;
    qs = quickstart.json;
  }

  @AfterAll
  static void stopQuickstart() throws Exception {
    if (quickstart != null) {
      quickstart.close();
    }
  }

  @Test
  void twoApprovals_agentWaitsForBoth_executesOnce_andTheSavedGrantCannotBeReplayed() throws Exception {
    Path saved = dir.resolve("grant.jws");
    StringWriter err = new StringWriter();
    StringWriter out = new StringWriter();
    CompletableFuture<Integer> agent = CompletableFuture.supplyAsync(() -> run(out, err, "agent", "--quickstart", qsFile.toString(),
        "--example", "two_approvals", "--wait", "60s", "--save-grant", saved.toString()));
    String id = awaitDecisionId(err, agent);
    assertThat(err.toString()).contains("pending_authority, needs 2 signature(s) from distinct approvers")
        .contains("resume with --decision " + id);

    approve("approver1", id);
    awaitText(err, "approved by approver1 (L2): 1 of 2", agent);
    assertThat(agent).isNotDone(); // one approval is not enough: it keeps waiting
    approve("approver2", id);

    assertThat(agent.get(60, TimeUnit.SECONDS)).as("agent:\n%s\n%s", out, err).isZero();
    assertThat(err.toString()).contains("approved by approver2 (L2): 2 of 2").contains("authorized; fetching the one-time grant")
        .contains("the tool answered HTTP 200 (execution exe_");
    assertThat(out.toString()).contains("\"executed\":true");
    assertThat(executionsOf(id)).hasSize(1);

    String grant = Files.readString(saved).strip();
    assertThat(grant).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
    assertThat(Files.getPosixFilePermissions(saved)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(out.toString() + err).doesNotContain(grant).doesNotContain(grant.substring(grant.lastIndexOf('.') + 1));

    // The same grant again, through the gateway: refused as used, and the tool did not run again.
    CliRun replay = CliRun.of("agent", "--quickstart", qsFile.toString(), "--example", "two_approvals", "--grant-file", saved.toString());
    assertThat(replay.exitCode()).as(replay.toString()).isEqualTo(1);
    assertThat(replay.err()).contains("the gateway refused the call (HTTP 409 grant-already-used)");
    assertThat(replay.out() + replay.err()).doesNotContain(grant);
    // Resuming the executed decision: the engine has no grant left for it.
    CliRun resume = CliRun.of("agent", "--quickstart", qsFile.toString(), "--example", "two_approvals", "--decision", id);
    assertThat(resume.exitCode()).as(resume.toString()).isEqualTo(1);
    assertThat(resume.err()).contains("was already executed");
    assertThat(executionsOf(id)).hasSize(1);
  }

  @Test
  void autoAllow_executesAtOnce() throws Exception {
    CliRun r = CliRun.of("agent", "--quickstart", qsFile.toString(), "--example", "auto_allow");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.err()).contains("allowed at once").doesNotContain("waiting");
    Matcher m = DECISION.matcher(r.err());
    assertThat(m.find()).isTrue();
    assertThat(executionsOf(m.group(1))).hasSize(1);
  }

  @Test
  void deniedByPolicy_exitsOne_andNothingRuns() throws Exception {
    Path req = dir.resolve("drop.json");
    Files.writeString(req, """
        {"action": {"class": "write", "tool": "deployer", "intent": "drop the orders table",
                    "target": {"type": "database", "id": "orders"}, "payload": {"operation": "drop_table", "table": "orders"}},
         "context": {"actor": {"id": "ci_pipeline"}, "environment": "production"}}""");
    CliRun r = CliRun.of("agent", "--quickstart", qsFile.toString(), "--request", req.toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).contains(" denied: ").contains("destructive database operations are never run by automation in production");
    assertThat(r.err()).doesNotContain("the tool answered");
  }

  @Test
  void approvalsNotInTime_exitsThree_andSaysHowToResume() {
    CliRun r = CliRun.of("agent", "--quickstart", qsFile.toString(), "--example", "two_approvals", "--wait", "1500ms");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    Matcher m = DECISION.matcher(r.err());
    assertThat(m.find()).isTrue();
    assertThat(r.err()).contains("is still pending after 1.5s").contains("resume with --decision " + m.group(1));
  }

  @Test
  void aForgedGrant_isRefusedByTheGateway_exitOne() throws Exception {
    Path saved = dir.resolve("auto.jws");
    CliRun ok = CliRun.of("agent", "--quickstart", qsFile.toString(), "--example", "auto_allow", "--save-grant", saved.toString());
    assertThat(ok.exitCode()).as(ok.toString()).isZero();
    String[] parts = Files.readString(saved).strip().split("\\.");
    char last = parts[2].charAt(0);
    Path forged = dir.resolve("forged.jws");
    Files.writeString(forged, parts[0] + "." + parts[1] + "." + (last == 'A' ? 'B' : 'A') + parts[2].substring(1));
    CliRun r = CliRun.of("agent", "--quickstart", qsFile.toString(), "--example", "auto_allow", "--grant-file", forged.toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).contains("HTTP 403 grant-invalid");
  }

  /** Black-box run: --save-grant replaced /dev/full, a FIFO, a symlink and a precious file with the grant. */
  @Test
  void saveGrant_replacesOnlyAMissingFileOrAnEarlierGrant_andNothingIsProposedOtherwise() throws Exception {
    Path precious = Files.writeString(dir.resolve("precious.txt"), "keep me\n");
    Path link = Files.createSymbolicLink(dir.resolve("link.jws"), precious);
    Path fifo = dir.resolve("fifo");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    for (Path target : List.of(precious, link, fifo, Path.of("/dev/full"))) {
      CliRun r = CliRun.of("agent", "--quickstart", qsFile.toString(), "--example", "auto_allow", "--save-grant",
          target.toString());
      assertThat(r.exitCode()).as("%s: %s", target, r).isEqualTo(2);
      assertThat(r.err()).contains("refusing to").doesNotContain("decision dec_");
    }
    assertThat(Files.readString(precious)).isEqualTo("keep me\n");
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(Files.isRegularFile(Path.of("/dev/full"))).isFalse();

    Path saved = dir.resolve("again.jws");
    for (int i = 0; i < 2; i++) { // an earlier grant is replaced: the walkthrough can run twice
      CliRun ok = CliRun.of("agent", "--quickstart", qsFile.toString(), "--example", "auto_allow", "--save-grant",
          saved.toString());
      assertThat(ok.exitCode()).as(ok.toString()).isZero();
    }
  }

  @Test
  void engineUnreachable_exitsThree() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    CliRun r = CliRun.of("agent", "--quickstart", qsFile.toString(), "--example", "auto_allow", "--engine", "http://127.0.0.1:" + closed);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    assertThat(r.err()).contains("unreachable");
  }

  @Test
  void badArguments_exitTwo_withoutEchoingAGrant() throws Exception {
    String q = qsFile.toString();
    Path notAGrant = dir.resolve("not-a-grant");
    Files.writeString(notAGrant, "secret-looking value\n");
    List<String[]> cases = List.of(
        new String[] {"agent", "--example", "auto_allow"},
        new String[] {"agent", "--quickstart", q},
        new String[] {"agent", "--quickstart", q, "--example", "auto_allow", "--request", q},
        new String[] {"agent", "--quickstart", q, "--example", "no_such_example"},
        new String[] {"agent", "--quickstart", q, "--example", "auto_allow", "--wait", "soon"},
        new String[] {"agent", "--quickstart", q, "--example", "auto_allow", "--gateway", "http://example.com"},
        new String[] {"agent", "--quickstart", q, "--example", "auto_allow", "--decision", "../../etc"},
        new String[] {"agent", "--quickstart", q, "--example", "auto_allow", "--grant-file", notAGrant.toString()},
        new String[] {"agent", "--quickstart", dir.resolve("missing.json").toString(), "--example", "auto_allow"});
    for (String[] args : cases) {
      CliRun r = CliRun.of(args);
      assertThat(r.exitCode()).as("%s\n%s", String.join(" ", args), r).isEqualTo(2);
      assertThat(r.err()).doesNotContain("secret-looking").doesNotContain("Exception");
    }
  }

  private static int run(StringWriter out, StringWriter err, String... args) {
    CommandLine cli = Arbiter.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  private static String awaitDecisionId(StringWriter err, CompletableFuture<Integer> agent) throws Exception {
    awaitText(err, "waiting up to", agent);
    Matcher m = DECISION.matcher(err.toString());
    assertThat(m.find()).as(err.toString()).isTrue();
    return m.group(1);
  }

  private static void awaitText(StringWriter err, String text, CompletableFuture<Integer> agent) throws Exception {
    for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); System.nanoTime() < deadline; ) {
      if (err.toString().contains(text)) {
        return;
      }
      assertThat(agent).as("the agent ended early:\n%s", err).isNotDone();
      Thread.sleep(50);
    }
    throw new AssertionError("no `" + text + "` from the agent:\n" + err);
  }

  private static void approve(String who, String decision) {
    JsonNode id = qs.get("identities").get(who);
    CliRun r = CliRun.of("approve", "--engine", qs.get("engine_url").asText(), "--token-file", id.get("token_file").asText(),
        "--decision", decision, "--key", id.get("key").asText(), "--rationale", "agent test", "--yes");
    assertThat(r.exitCode()).as(r.toString()).isZero();
  }

  private static List<String> executionsOf(String decision) throws Exception {
    Path log = Path.of(qs.get("tools").get(0).get("execution_log").asText());
    return Files.exists(log) ? Files.readAllLines(log).stream().filter(l -> l.contains(decision)).toList() : List.of();
  }
}
