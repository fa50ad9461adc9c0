package dev.arbiter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.approval.Challenge;
import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import picocli.CommandLine;

/** {@code arbiter keys enrol}, {@code approve} and {@code decisions list} against {@link FakeEngine}. */
class ApproveCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ALICE_TOKEN = "alice.token-" + "A".repeat(40);
  private static final String BOB_TOKEN = "bob.token-" + "B".repeat(40);

  @TempDir Path dir;
  private FakeEngine engine;
  private final List<CliRun> runs = new ArrayList<>();

  @BeforeEach
  void startEngine() throws Exception {
    engine = new FakeEngine(Clock.systemUTC());
    engine.subjectsByToken.put(ALICE_TOKEN, "alice");
    engine.subjectsByToken.put(BOB_TOKEN, "bob");
    Files.writeString(tokenFile("alice"), ALICE_TOKEN + "\n");
    Files.writeString(tokenFile("bob"), BOB_TOKEN + "\n");
  }

  /** No run ever shows a token or a private key, whatever it did. */
  @AfterEach
  void stopEngineAndCheckNothingLeaked() {
    engine.close();
    for (CliRun r : runs) {
      for (String token : List.of(ALICE_TOKEN, BOB_TOKEN)) {
        assertThat(r.out() + r.err()).as(r.toString()).doesNotContain(token);
      }
      assertThat(r.out() + r.err()).doesNotContain("-----BEGIN");
    }
  }

  private Path tokenFile(String who) {
    return dir.resolve(who + ".token");
  }

  private Path newKey(String name, KeyAlgorithm alg) throws Exception {
    SigningKey key = SigningKey.generate(alg, new SecureRandom());
    Path priv = dir.resolve(name + ".key");
    Files.writeString(priv, key.exportPkcs8PemDangerously());
    Files.setPosixFilePermissions(priv, PosixFilePermissions.fromString("rw-------"));
    Files.writeString(dir.resolve(name + ".pub"), key.verifyingKey().toSpkiPem());
    return priv;
  }

  private static Path pub(Path key) {
    return key.resolveSibling(key.getFileName().toString().replace(".key", ".pub"));
  }

  private CliRun run(String... args) {
    CliRun r = CliRun.of(args);
    runs.add(r);
    return r;
  }

  /** Runs with an injected console (answers in order; null = no console) and environment. */
  private CliRun runWithConsole(List<String> answers, Map<String, String> env, String... args) {
    ApproveCommand.Console console = answers == null ? null : new ApproveCommand.Console() {
      int next;

      @Override
      public String readLine(String prompt) {
        return next < answers.size() ? answers.get(next++) : null;
      }
    };
    CommandLine cli = Arbiter.commandLine(new CommandLine.IFactory() {
      @Override
      public <K> K create(Class<K> cls) throws Exception {
        return cls == ApproveCommand.class ? cls.cast(new ApproveCommand(console, env)) : CommandLine.defaultFactory().create(cls);
      }
    });
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    CliRun r = new CliRun(cli.execute(args), out.toString(), err.toString());
    runs.add(r);
    return r;
  }

  private CliRun enrol(String who, Path key) {
    return run("keys", "enrol", "--engine", engine.url(), "--token-file", tokenFile(who).toString(), "--key", pub(key).toString());
  }

  private String[] approveArgs(String who, FakeEngine.Decision d, Path key, String... extra) {
    List<String> args = new ArrayList<>(List.of("approve", "--engine", engine.url(), "--token-file", tokenFile(who).toString(),
        "--decision", d.id, "--key", key.toString(), "--rationale", "reviewed the change"));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  private CliRun approve(String who, FakeEngine.Decision d, Path key, String... extra) {
    return run(approveArgs(who, d, key, extra));
  }

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void enrolThenApprove_twoApprovers_authorizes(KeyAlgorithm alg) throws Exception {
    FakeEngine.Decision d = engine.pending("agent-7", 2);
    Path aliceKey = newKey("alice", alg);
    Path bobKey = newKey("bob", alg);
    String aliceKeyId = SigningKey.load(aliceKey).keyId().value();

    CliRun enrolled = enrol("alice", aliceKey);
    assertThat(enrolled.exitCode()).as(enrolled.toString()).isZero();
    assertThat(enrolled.out()).contains(aliceKeyId).contains("subject alice");
    assertThat(enrol("alice", aliceKey).out()).contains("already enrolled");
    assertThat(enrol("bob", bobKey).exitCode()).isZero();

    CliRun first = approve("alice", d, aliceKey, "--yes");
    assertThat(first.exitCode()).as(first.toString()).isZero();
    assertThat(first.lastOutLine()).isEqualTo("approval accepted: pending_authority (1 of 2)");
    assertThat(first.out())
        .contains("deploy").contains("k8s-deploy").contains("roll out checkout v2").contains("service:checkout")
        .contains("production").contains("high (score 0.6200)").contains("2 signature(s)").contains("L2 or L3")
        .contains("agent-7").contains(Challenge.CONTEXT).contains("\"decision_id\":\"" + d.id + "\"");
    assertThat(d.approvals.get(0).get("key_id").asText()).isEqualTo(aliceKeyId);

    CliRun second = approve("bob", d, bobKey, "--yes");
    assertThat(second.exitCode()).as(second.toString()).isZero();
    assertThat(second.lastOutLine()).isEqualTo("approval accepted: authorized");
    assertThat(engine.submissions).containsExactly("POST /v1/decisions/" + d.id + "/approvals",
        "POST /v1/decisions/" + d.id + "/approvals");
  }

  @Test
  void approveWithReject_postsARejection_andTheDecisionIsDenied() throws Exception {
    FakeEngine.Decision d = engine.pending("agent-7", 2);
    Path key = newKey("alice", KeyAlgorithm.ED25519);
    enrol("alice", key);

    CliRun r = approve("alice", d, key, "--yes", "--reject");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("REJECT").contains("\"intent\":\"reject\"");
    assertThat(r.lastOutLine()).isEqualTo("rejection accepted: denied");
    assertThat(engine.submissions).containsExactly("POST /v1/decisions/" + d.id + "/rejections");
  }

  @Test
  void theApproverIsShownThePayloadWhole_andItsHash_beforeSigning() throws Exception {
    FakeEngine.Decision d = engine.pending("agent-7", 2);
    Path key = newKey("alice", KeyAlgorithm.ED25519);
    enrol("alice", key);

    CliRun r = approve("alice", d, key, "--yes");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("payload").contains("{\"image\":\"registry.internal/checkout:2.0.0\",\"replicas\":3}")
        .containsPattern("payload hash +sha256:[0-9a-f]{64}");
  }

  @Test
  void approve_whenEngineRefuses_exits1WithReasonAndDetailOnStderr() throws Exception {
    FakeEngine.Decision own = engine.pending("alice", 1);
    Path key = newKey("alice", KeyAlgorithm.ED25519);
    enrol("alice", key);

    CliRun self = approve("alice", own, key, "--yes");

    assertThat(self.exitCode()).as(self.toString()).isEqualTo(1);
    assertThat(self.err()).contains("approval refused").contains("approval-rejected").contains("self_approval")
        .contains("approval refused: self_approval");
    assertThat(own.approvals).isEmpty();
  }

  @Test
  void approve_whenKeyNotEnrolled_orAlreadySigned_exits1() throws Exception {
    FakeEngine.Decision d = engine.pending("agent-7", 2);
    Path key = newKey("alice", KeyAlgorithm.ECDSA_P256);

    CliRun notEnrolled = approve("alice", d, key, "--yes");
    assertThat(notEnrolled.exitCode()).isEqualTo(1);
    assertThat(notEnrolled.err()).contains("key_not_enrolled");

    enrol("alice", key);
    assertThat(approve("alice", d, key, "--yes").exitCode()).isZero();
    CliRun twice = approve("alice", d, key, "--yes");
    assertThat(twice.exitCode()).isEqualTo(1);
    assertThat(twice.err()).contains("already_signed");
  }

  @Test
  void approve_whenDecisionNoLongerPending_exits1WithStatus() throws Exception {
    FakeEngine.Decision d = engine.pending("agent-7", 1);
    Path key = newKey("alice", KeyAlgorithm.ED25519);
    Path bobKey = newKey("bob", KeyAlgorithm.ED25519);
    enrol("alice", key);
    enrol("bob", bobKey);
    assertThat(approve("alice", d, key, "--yes").exitCode()).isZero();

    CliRun late = approve("bob", d, bobKey, "--yes");

    assertThat(late.exitCode()).isEqualTo(1);
    assertThat(late.err()).contains("HTTP 409").contains("decision_not_pending").contains("decision status authorized");
  }

  /** A malicious engine sends signing_input for another decision: the CLI must not sign it. */
  @Test
  void approve_whenSigningInputTampered_refusesAndPostsNothing() throws Exception {
    FakeEngine.Decision target = engine.pending("agent-7", 1);
    FakeEngine.Decision other = engine.pending("agent-7", 1);
    Path key = newKey("alice", KeyAlgorithm.ED25519);
    enrol("alice", key);
    engine.tamper = response -> {
      Challenge c = new Challenge(other.id, "approve", Instant.now(), "bm9uY2U", 300, FakeEngine.POLICY_HASH);
      return response.put("signing_input", Base64.getEncoder().encodeToString(c.signingInput()));
    };

    CliRun r = approve("alice", target, key, "--yes");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).contains("signing_input differs").contains("nothing was signed or sent");
    assertThat(engine.submissions).isEmpty();
    assertThat(other.approvals).isEmpty();
  }

  @Test
  void approve_whenChallengeNamesAnotherDecisionOrIntentOrPolicy_refusesAndPostsNothing() throws Exception {
    FakeEngine.Decision target = engine.pending("agent-7", 1);
    FakeEngine.Decision other = engine.pending("agent-7", 1);
    Path key = newKey("alice", KeyAlgorithm.ED25519);
    enrol("alice", key);

    // A self-consistent challenge (signing_input matches) for another decision.
    engine.tamper = response -> consistent(response, c -> c.put("decision_id", other.id));
    assertThat(approve("alice", target, key, "--yes").err()).contains("is for decision `" + other.id + "`");
    // An approval challenge when a rejection was asked for.
    engine.tamper = response -> consistent(response, c -> c.put("intent", "approve"));
    assertThat(approve("alice", target, key, "--yes", "--reject").err()).contains("intent `approve`");
    // The summary shown describes a decision under another policy than the one signed.
    engine.tamper = response -> {
      ((ObjectNode) response.get("decision").get("policy")).put("hash", "sha256:" + "cd".repeat(32));
      return response;
    };
    CliRun r = approve("alice", target, key, "--yes");

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("pins policy");
    assertThat(engine.submissions).isEmpty();
  }

  private static ObjectNode consistent(ObjectNode response, java.util.function.Consumer<ObjectNode> edit) {
    ObjectNode c = (ObjectNode) response.get("challenge");
    edit.accept(c);
    response.put("signing_input", Base64.getEncoder().encodeToString(Challenge.fromJson(c).signingInput()));
    return response;
  }

  @Test
  void approve_whenEngineDown_exits3() throws Exception {
    Path key = newKey("alice", KeyAlgorithm.ED25519);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    FakeEngine.Decision d = engine.pending("agent-7", 1);

    CliRun r = run("approve", "--engine", "http://127.0.0.1:" + port, "--token-file", tokenFile("alice").toString(),
        "--decision", d.id, "--key", key.toString(), "--rationale", "ok", "--yes");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
    assertThat(r.err()).contains("unreachable");
  }

  @Test
  void approve_whenEngineAnswers503_exits3WithRetryAfter() throws Exception {
    Path key = newKey("alice", KeyAlgorithm.ED25519);
    FakeEngine.Decision d = engine.pending("agent-7", 1);
    engine.unavailable = true;

    CliRun r = approve("alice", d, key, "--yes");

    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.err()).contains("identity-unavailable").contains("retry after 5 s");
  }

  @Test
  void approve_withoutYesAndWithoutConsole_exits2BeforeContactingTheEngine() throws Exception {
    FakeEngine.Decision d = engine.pending("agent-7", 1);
    Path key = newKey("alice", KeyAlgorithm.ED25519);

    CliRun r = runWithConsole(null, Map.of(), approveArgs("alice", d, key));

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("no console").contains("--yes");
    assertThat(engine.requests).isEmpty();
  }

  @Test
  void approve_onTheConsole_signsOnlyAfterYes() throws Exception {
    FakeEngine.Decision d = engine.pending("agent-7", 2);
    Path key = newKey("alice", KeyAlgorithm.ED25519);
    enrol("alice", key);

    CliRun declined = runWithConsole(List.of("n"), Map.of(), approveArgs("alice", d, key));
    assertThat(declined.exitCode()).isEqualTo(1);
    assertThat(declined.err()).contains("declined");
    assertThat(engine.submissions).isEmpty();

    CliRun accepted = runWithConsole(List.of("y"), Map.of(), approveArgs("alice", d, key));
    assertThat(accepted.exitCode()).as(accepted.toString()).isZero();
    assertThat(accepted.lastOutLine()).isEqualTo("approval accepted: pending_authority (1 of 2)");
  }

  @Test
  void approve_tokenFromEnvironment_isUsed_andTwoTokenSourcesAreRefused() throws Exception {
    FakeEngine.Decision d = engine.pending("agent-7", 1);
    Path key = newKey("bob", KeyAlgorithm.ED25519);
    enrol("bob", key);
    String[] viaEnv = {"approve", "--engine", engine.url(), "--decision", d.id, "--key", key.toString(), "--rationale", "ok", "--yes"};

    CliRun none = runWithConsole(null, Map.of(), viaEnv);
    assertThat(none.exitCode()).isEqualTo(2);
    assertThat(none.err()).contains("ARBITER_TOKEN");

    CliRun env = runWithConsole(null, Map.of("ARBITER_TOKEN", BOB_TOKEN), viaEnv);
    assertThat(env.exitCode()).as(env.toString()).isZero();

    CliRun both = run("approve", "--engine", engine.url(), "--token", BOB_TOKEN, "--token-file", tokenFile("bob").toString(),
        "--decision", d.id, "--key", key.toString(), "--rationale", "ok", "--yes");
    assertThat(both.exitCode()).isEqualTo(2);
    assertThat(both.err()).contains("not both");
  }

  @Test
  void approve_badInput_exits2() throws Exception {
    FakeEngine.Decision d = engine.pending("agent-7", 1);
    Path key = newKey("alice", KeyAlgorithm.ED25519);

    Files.setPosixFilePermissions(pub(key), PosixFilePermissions.fromString("rw-------"));
    CliRun pubAsKey = approve("alice", d, pub(key), "--yes");
    assertThat(pubAsKey.exitCode()).isEqualTo(2);
    assertThat(pubAsKey.err()).contains("not a private signing key");

    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    CliRun readable = approve("alice", d, key, "--yes");
    assertThat(readable.exitCode()).isEqualTo(2);
    assertThat(readable.err()).contains("chmod 600");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));

    CliRun badId = run("approve", "--engine", engine.url(), "--token-file", tokenFile("alice").toString(),
        "--decision", "../keys", "--key", key.toString(), "--rationale", "ok", "--yes");
    assertThat(badId.exitCode()).isEqualTo(2);

    CliRun remoteHttp = run("approve", "--engine", "http://engine.example.com", "--token-file", tokenFile("alice").toString(),
        "--decision", d.id, "--key", key.toString(), "--rationale", "ok", "--yes");
    assertThat(remoteHttp.exitCode()).isEqualTo(2);
    assertThat(remoteHttp.err()).contains("plain http");

    Files.writeString(tokenFile("alice"), "not a token\n");
    CliRun badToken = approve("alice", d, key, "--yes");
    assertThat(badToken.exitCode()).isEqualTo(2);
    assertThat(engine.requests).isEmpty();
  }

  @Test
  void keysEnrol_whenEnrolledByAnotherSubject_exits1_andPrivateKeyFileIsRefused() throws Exception {
    Path key = newKey("alice", KeyAlgorithm.ED25519);
    assertThat(enrol("alice", key).exitCode()).isZero();

    CliRun stolen = run("keys", "enrol", "--engine", engine.url(), "--token-file", tokenFile("bob").toString(),
        "--key", pub(key).toString());
    assertThat(stolen.exitCode()).isEqualTo(1);
    assertThat(stolen.err()).contains("key-already-enrolled");

    CliRun priv = run("keys", "enrol", "--engine", engine.url(), "--token-file", tokenFile("bob").toString(),
        "--key", key.toString());
    assertThat(priv.exitCode()).isEqualTo(2);
    assertThat(priv.err()).contains("not a public key");
  }

  @Test
  void keysEnrol_whenTokenRefused_exits1() throws Exception {
    Path key = newKey("alice", KeyAlgorithm.ED25519);
    Files.writeString(tokenFile("alice"), "some.other.token\n");

    CliRun r = enrol("alice", key);

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("HTTP 401").contains("unauthenticated").doesNotContain("some.other.token");
  }

  @Test
  void decisionsList_pending_showsTableAndJsonLines() throws Exception {
    FakeEngine.Decision a = engine.pending("agent-7", 2);
    FakeEngine.Decision b = engine.pending("agent-8", 1);
    FakeEngine.Decision done = engine.pending("agent-9", 1);
    done.status = "authorized";

    CliRun table = run("decisions", "list", "--engine", engine.url(), "--token-file", tokenFile("alice").toString(), "--pending");
    assertThat(table.exitCode()).as(table.toString()).isZero();
    assertThat(table.outLines()).hasSize(3);
    assertThat(table.outLines().get(0)).contains("ID").contains("CLASS").contains("TOOL").contains("TARGET").contains("BAND")
        .contains("APPROVALS").contains("EXPIRES");
    assertThat(table.outLines().get(1)).contains(a.id).contains("deploy").contains("k8s-deploy").contains("service:checkout")
        .contains("high").contains("0 of 2").contains("2030-01-01T00:00:00Z");
    assertThat(table.outLines().get(2)).contains(b.id).contains("0 of 1");
    assertThat(table.out()).doesNotContain(done.id);

    CliRun json = run("decisions", "list", "--engine", engine.url(), "--token-file", tokenFile("alice").toString(), "--pending", "--json");
    assertThat(json.exitCode()).isZero();
    List<String> ids = new ArrayList<>();
    for (String line : json.outLines()) {
      ids.add(JSON.readTree(line).get("decision_id").asText());
    }
    assertThat(ids).containsExactly(a.id, b.id);
    assertThat(engine.requests).contains("GET /v1/decisions");
  }

  @Test
  void decisionsList_withoutPending_isUsageError() {
    CliRun r = run("decisions", "list", "--engine", engine.url(), "--token-file", tokenFile("alice").toString());
    assertThat(r.exitCode()).isEqualTo(2);
  }

  @Test
  void help_documentsTokenSourcesAndExitCodes() {
    for (String[] cmd : List.of(new String[] {"approve", "--help"}, new String[] {"keys", "enrol", "--help"},
        new String[] {"decisions", "list", "--help"})) {
      CliRun r = run(cmd);
      assertThat(r.exitCode()).isZero();
      assertThat(r.out()).contains("--token-file").contains("ARBITER_TOKEN").contains("Exit codes");
    }
  }

  /** Strings from the engine cannot drive the approver's terminal. */
  @Test
  void approve_escapesControlCharactersFromTheEngine() throws Exception {
    FakeEngine.Decision d = engine.pending("agent-7", 2);
    Path key = newKey("alice", KeyAlgorithm.ED25519);
    enrol("alice", key);
    engine.tamper = response -> {
      ((ObjectNode) response.get("decision").get("action")).put("intent", "harmless\u001b[2K\rdelete prod");
      return response;
    };

    CliRun r = approve("alice", d, key, "--yes");

    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).doesNotContain("\u001b").contains("harmless\\u001b[2K\\u000ddelete prod");
    assertThat(new String(r.out().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).doesNotContain("\r");
  }
}
