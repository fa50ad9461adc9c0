package dev.arbiter.cli;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.io.IOException;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code arbiter quickstart} as a real foreground process: ready file, the two examples, clean stop, a ledger that verifies. */
class QuickstartCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void quickstart_writesItsFile_answersBothExamples_stopsOnSigterm() throws Exception {
    int port = PortBlock.freeBase(4);
    Path qs = dir.resolve("qs");
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        "dev.arbiter.cli.Arbiter", "quickstart", "--dir", qs.toString(), "--port-base", Integer.toString(port),
        "--bundle", "../examples/policy", "--examples", "../examples/requests")
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    JsonNode file = null;
    String walkthroughDecision = null;
    try {
      Path ready = qs.resolve("quickstart.json");
      for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); System.nanoTime() < deadline && p.isAlive(); ) {
        if (Files.exists(ready)) {
          file = JSON.readTree(ready.toFile());
          break;
        }
        Thread.sleep(50);
      }
      assertThat(file).as("quickstart did not become ready:\n%s", Files.readString(err)).isNotNull();
      assertThat(file.get("engine_url").asText()).isEqualTo("http://127.0.0.1:" + port);
      assertThat(Path.of(file.get("ledger_db").asText())).exists();
      assertThat(Path.of(file.get("ledger_public_key").asText())).exists();

      assertThat(file.get("gateway_url").asText()).isEqualTo("http://127.0.0.1:" + (port + 1));
      assertThat(file.get("issuer_url").asText()).isEqualTo("http://127.0.0.1:" + (port + 2));
      assertThat(Path.of(file.get("engine_public_key").asText())).exists();
      assertThat(Files.getPosixFilePermissions(qs.resolve("quickstart.json")))
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
      for (String who : new String[] {"agent", "approver1", "approver2", "approver3", "security_officer", "executive"}) {
        JsonNode id = file.get("identities").get(who);
        assertThat(id.get("subject").asText()).isNotBlank();
        assertThat(id.get("token").asText()).contains(".");
        Path tokenFile = Path.of(id.get("token_file").asText());
        assertThat(Files.readString(tokenFile).strip()).isEqualTo(id.get("token").asText());
        assertThat(Files.getPosixFilePermissions(tokenFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        if (!who.equals("agent")) {
          assertThat(Path.of(id.get("key").asText())).exists();
          assertThat(Path.of(id.get("public_key").asText())).exists();
        }
      }
      assertThat(file.get("identities").get("security_officer").get("level").asText()).isEqualTo("L4");
      assertThat(file.get("identities").get("executive").get("level").asText()).isEqualTo("L5");
      JsonNode tool = file.get("tools").get(0);

      // A second quickstart on the same directory stops before touching anything of the running one.
      CliRun rival = CliRun.of("quickstart", "--dir", qs.toString(), "--port-base", Integer.toString(PortBlock.freeBase(4)),
          "--bundle", "../examples/policy", "--examples", "../examples/requests");
      assertThat(rival.exitCode()).as(rival.toString()).isEqualTo(3);
      assertThat(rival.err()).contains("another quickstart is running");
      assertThat(JSON.readTree(ready.toFile())).as("the running quickstart's file is untouched").isEqualTo(file);

      HttpClient client = HttpClient.newHttpClient();
      JsonNode allowed = post(client, file, "auto_allow", "qs-1");
      assertThat(allowed.get("outcome").asText()).isEqualTo("allow");
      assertThat(allowed.get("grant").asText()).contains(".");
      JsonNode pending = post(client, file, "two_approvals", "qs-2");
      assertThat(pending.get("outcome").asText()).isEqualTo("pending_authority");
      assertThat(pending.get("authority").get("min_signatures").asInt()).isEqualTo(2);
      assertThat(pending.get("authority").get("distinct").asBoolean()).isTrue();
      String id = pending.get("decision_id").asText();
      walkthroughDecision = id;

      // Two approvers sign with their keys through the CLI, as the walkthrough says.
      CliRun first = approve(file, "approver1", id);
      assertThat(first.exitCode()).as(first.toString()).isZero();
      assertThat(first.out()).contains("pending_authority");
      CliRun second = approve(file, "approver2", id);
      assertThat(second.exitCode()).as(second.toString()).isZero();
      assertThat(second.out()).contains("authorized");

      String grant = JSON.readTree(send(client, HttpRequest.newBuilder(URI.create(file.get("engine_url").asText()
          + "/v1/decisions/" + id + "/grant")).header("Authorization", "Bearer " + token(file, "agent")).GET().build()).body())
          .get("grant").asText();
      String payload = file.get("examples").get("two_approvals").get("action").get("payload").toString();
      HttpResponse<String> executed = execute(client, tool.get("gateway_url").asText(), grant, payload);
      assertThat(executed.statusCode()).as(executed.body()).isEqualTo(200);
      HttpResponse<String> replayed = execute(client, tool.get("gateway_url").asText(), grant, payload);
      assertThat(replayed.statusCode()).isEqualTo(409);
      HttpResponse<String> direct = execute(client, tool.get("direct_url").asText(), grant, payload);
      assertThat(direct.statusCode()).isEqualTo(403);
      assertThat(Files.readAllLines(Path.of(tool.get("execution_log").asText()))).hasSize(1).first().asString().contains(id);

      // A grant whose decision was cancelled after it was issued: the engine refuses it, so does the gateway.
      String autoId = allowed.get("decision_id").asText();
      HttpResponse<String> cancelled = send(client, HttpRequest.newBuilder(URI.create(file.get("engine_url").asText()
          + "/v1/decisions/" + autoId + "/cancel")).header("Authorization", "Bearer " + token(file, "agent"))
          .header("Idempotency-Key", "qs-cancel").POST(HttpRequest.BodyPublishers.ofString("{}")).build());
      assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
      HttpResponse<String> stale = execute(client, tool.get("gateway_url").asText(), allowed.get("grant").asText(),
          file.get("examples").get("auto_allow").get("action").get("payload").toString());
      assertThat(stale.statusCode()).as(stale.body()).isEqualTo(403);
      assertThat(JSON.readTree(stale.body()).get("type").asText()).isEqualTo("https://arbiter.dev/problems/grant-refused");
      assertThat(Files.readAllLines(Path.of(tool.get("execution_log").asText()))).hasSize(1);

      // The gateway's own refusals (the replay above) reach the ledger, recorded in the background.
      String gatewayTrail = "";
      for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
          !gatewayTrail.contains("grant-already-used") && System.nanoTime() < deadline; ) {
        gatewayTrail = CliRun.of("ledger", "show", "--db", file.get("ledger_db").asText(), "--stream", "sys:gateway", "--json").out();
        Thread.sleep(100);
      }
      assertThat(gatewayTrail).contains("execution.refused").contains("grant-already-used");
    } finally {
      p.destroy(); // SIGTERM
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("quickstart did not stop on SIGTERM").isTrue();
    }
    assertThat(qs.resolve("quickstart.json")).as("a stopped quickstart is not ready").doesNotExist();
    assertThat(Files.readString(out)).contains("Arbiter quickstart is running").contains("ledger verify")
        .contains("arbiter approve").contains("/tools/deployer");
    assertThat(Files.readString(err)).contains("closing the ledger");
    CliRun verify = CliRun.of("ledger", "verify", "--db", file.get("ledger_db").asText(), "--key", file.get("ledger_public_key").asText());
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
    CliRun trail = CliRun.of("ledger", "show", "--db", file.get("ledger_db").asText(), "--json", "--limit", "1000");
    List<String> types = trail.out().lines().map(l -> {
      try {
        JsonNode e = JSON.readTree(l);
        return e.path("envelope").path("event_type").asText(e.path("event_type").asText());
      } catch (IOException ex) {
        throw new IllegalStateException(ex);
      }
    }).toList();
    assertThat(types).containsSubsequence("decision.created", "authority.required", "approval.added", "approval.added",
        "enforcement.result", "grant.issued", "execution.started", "execution.confirmed");

    // Every approver key the quickstart enrolled carries a proof of possession an auditor can check
    // from the ledger alone.
    CliRun keys = CliRun.of("ledger", "show", "--db", file.get("ledger_db").asText(), "--stream", "sys:keys", "--json");
    List<JsonNode> enrolled = new java.util.ArrayList<>();
    for (String l : keys.out().lines().toList()) {
      JsonNode e = JSON.readTree(l);
      JsonNode envelope = e.has("envelope") ? e.get("envelope") : e;
      if (envelope.path("event_type").asText().equals("key.enrolled")) {
        enrolled.add(envelope.get("payload"));
      }
    }
    assertThat(enrolled).as(keys.toString()).hasSize(5);
    for (JsonNode k : enrolled) {
      var proof = dev.arbiter.core.approval.EnrolmentProof.fromJson(k.get("proof"));
      proof.verifySignature(dev.arbiter.core.crypto.VerifyingKey.fromPem(k.get("public_key").asText()));
      assertThat(proof.statement().subject()).isEqualTo(k.get("subject").asText());
    }

    // Step 6 of the printed walkthrough, as printed (with $ID set): verify must fail and name that entry.
    String printed = Files.readString(out);
    Matcher m = Pattern.compile("sqlite3 \\S+ \"([^\"]+)\"").matcher(printed);
    assertThat(m.find()).as("the walkthrough prints a tamper step:\n%s", printed).isTrue();
    String tamper = m.group(1).replace("$ID", walkthroughDecision);
    long leaf;
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.get("ledger_db").asText());
        Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("SELECT leaf_index FROM entries WHERE stream_id = '" + walkthroughDecision
          + "' AND stream_seq = 0")) {
        assertThat(rs.next()).isTrue();
        leaf = rs.getLong(1);
      }
      for (String sql : tamper.split(";")) {
        if (!sql.isBlank()) {
          st.executeUpdate(sql);
        }
      }
      assertThat(st.getUpdateCount()).isLessThanOrEqualTo(1);
    }
    CliRun tampered = CliRun.of("ledger", "verify", "--db", file.get("ledger_db").asText(), "--key",
        file.get("ledger_public_key").asText());
    assertThat(tampered.exitCode()).as(tampered.toString()).isEqualTo(1);
    assertThat(tampered.out() + tampered.err()).contains("leaf " + leaf);

    // Started again on the tampered ledger, the quickstart does not say it is ready: it stops, naming the entry.
    Process again = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        "dev.arbiter.cli.Arbiter", "quickstart", "--dir", qs.toString(), "--port-base", Integer.toString(PortBlock.freeBase(4)),
        "--bundle", "../examples/policy", "--examples", "../examples/requests")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
    try {
      assertThat(again.waitFor(60, TimeUnit.SECONDS)).as("a quickstart on a tampered ledger must stop").isTrue();
    } finally {
      again.destroyForcibly();
    }
    assertThat(again.exitValue()).as(Files.readString(err)).isEqualTo(1);
    assertThat(Files.readString(err)).contains("fails verification").contains("leaf " + leaf);
    assertThat(qs.resolve("quickstart.json")).doesNotExist();
  }

  @Test
  void quickstart_withoutItsExamples_exitsTwo() {
    CliRun r = CliRun.of("quickstart", "--dir", dir.resolve("qs").toString(), "--examples", dir.resolve("none").toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--examples");
  }

  @Test
  void quickstart_withADirThatIsAFile_exitsTwo_andSaysSo() throws Exception {
    Path file = java.nio.file.Files.writeString(dir.resolve("README.md"), "not a directory\n");
    CliRun r = CliRun.of("quickstart", "--dir", file.toString(), "--port-base", String.valueOf(PortBlock.freeBase(4)),
        "--bundle", "../examples/policy", "--examples", "../examples/requests");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("--dir " + file + " is not a directory");
    assertThat(java.nio.file.Files.readString(file)).isEqualTo("not a directory\n");
  }

  private static String token(JsonNode file, String who) {
    return file.get("identities").get(who).get("token").asText();
  }

  private static CliRun approve(JsonNode file, String who, String decision) {
    return CliRun.of("approve", "--engine", file.get("engine_url").asText(), "--token-file",
        file.get("identities").get(who).get("token_file").asText(), "--decision", decision,
        "--key", file.get("identities").get(who).get("key").asText(), "--rationale", "quickstart test", "--yes");
  }

  private static HttpResponse<String> execute(HttpClient client, String url, String grant, String payload) throws Exception {
    return send(client, HttpRequest.newBuilder(URI.create(url)).header("Arbiter-Grant", grant)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(payload)).build());
  }

  private static HttpResponse<String> send(HttpClient client, HttpRequest r) throws Exception {
    return client.send(r, HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode post(HttpClient client, JsonNode file, String example, String key) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(file.get("engine_url").asText() + "/v1/decisions"))
        .header("Idempotency-Key", key).header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + token(file, "agent"))
        .POST(HttpRequest.BodyPublishers.ofString(file.get("examples").get(example).toString())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return JSON.readTree(r.body());
  }
}
