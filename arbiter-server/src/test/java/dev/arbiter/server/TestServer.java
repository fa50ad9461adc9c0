package dev.arbiter.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.policy.PolicyBundle;
import dev.arbiter.core.policy.PolicyBundles;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.LedgerOptions;
import dev.arbiter.ledger.store.EntryQuery;
import dev.arbiter.ledger.store.StoredEntry;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import dev.arbiter.server.config.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A real server on a random port over a real SQLite ledger in a test directory, and a real HTTP
 * client. Reopen with {@link #restart()} to test replay.
 */
public final class TestServer implements AutoCloseable {
  public static final ObjectMapper JSON = new ObjectMapper();
  static final Path EXAMPLE = Path.of("../examples/policy");
  private static PolicyBundle example;

  public final Path db;
  public final SigningKey ledgerKey;
  public final FakeClock clock;
  private final ServerConfig config;
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  public Ledger ledger;
  public ArbiterServer server;
  public final SigningKey engineKey = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
  private dev.arbiter.server.config.SecurityConfig security;
  private java.util.Optional<dev.arbiter.ledger.checkpoint.Checkpoint> trusted = java.util.Optional.empty();

  private TestServer(Path dir, ServerConfig config) throws Exception {
    this.db = dir.resolve("ledger.db");
    this.ledgerKey = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
    this.clock = new FakeClock(Instant.now());
    this.config = config;
    open();
  }

  public static TestServer start(Path dir) throws Exception {
    return new TestServer(dir, ServerConfig.defaults().withAddress("127.0.0.1", 0).withLedgerTimeout(Duration.ofSeconds(3)));
  }

  /** A server that keeps only {@code maxCachedDecisions} decisions in memory (to exercise re-reads from the ledger). */
  public static TestServer startWithCache(Path dir, int maxCachedDecisions) throws Exception {
    return startWithCache(dir, maxCachedDecisions, maxCachedDecisions);
  }

  /** As above, with an idempotency window of {@code idempotencyWindow} keys. */
  public static TestServer startWithCache(Path dir, int maxCachedDecisions, int idempotencyWindow) throws Exception {
    ServerConfig d = ServerConfig.defaults();
    return new TestServer(dir, new ServerConfig("127.0.0.1", 0, d.maxBodyBytes(), Duration.ofSeconds(3), d.retryAfter(),
        maxCachedDecisions, idempotencyWindow, d.expirySweep()));
  }

  /** A server with the test defaults changed by {@code change} (quotas, limits). */
  public static TestServer startWith(Path dir, java.util.function.UnaryOperator<ServerConfig> change) throws Exception {
    return new TestServer(dir, change.apply(ServerConfig.defaults().withAddress("127.0.0.1", 0)
        .withLedgerTimeout(Duration.ofSeconds(3))));
  }

  static synchronized PolicyBundle example() throws Exception {
    if (example == null) {
      example = PolicyBundles.loadDirectory(EXAMPLE);
    }
    return example;
  }

  private void open() throws Exception {
    ledger = Ledger.open(SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.CREATE_IF_MISSING), ledgerKey, clock,
        LedgerOptions.defaults());
    if (security == null) {
      security = TestIdentity.security(engineKey);
    }
    server = ArbiterServer.start(config, ledger, example(), ArbiterServer.PolicySource.DEVELOPMENT, clock, security, trusted);
  }

  /** The next start must find {@code checkpoint} in the ledger (a witness's copy); null for none. */
  public void trust(dev.arbiter.ledger.checkpoint.Checkpoint checkpoint) {
    this.trusted = java.util.Optional.ofNullable(checkpoint);
  }

  /** Replaces the security configuration (authenticator, limits) for the next {@link #restart()}. */
  public void security(dev.arbiter.server.config.SecurityConfig next) {
    this.security = next;
  }

  public dev.arbiter.server.config.SecurityConfig security() {
    return security;
  }

  public void restart() throws Exception {
    close();
    open();
  }

  /** Something done to the files while the server is down (a hand edit of the database), then a start. */
  public interface WhileStopped {
    void run() throws Exception;
  }

  public void restartAfter(WhileStopped change) throws Exception {
    close();
    change.run();
    open();
  }

  /**
   * POSTs as the actor the body names ({@code context.actor.id} or {@code actor.id}), authenticated
   * with a real token for that subject; {@code agent-test} when the body names none.
   */
  public Response post(String path, String idempotencyKey, String body) throws IOException, InterruptedException {
    return postAs(TestIdentity.token(actorIn(body)), path, idempotencyKey, body);
  }

  public Response postAs(String token, String path, String idempotencyKey, String body) throws IOException, InterruptedException {
    HttpRequest.Builder b = request(path).POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
    if (idempotencyKey != null) {
      b.header("Idempotency-Key", idempotencyKey);
    }
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return send(b.build());
  }

  /**
   * Enrols {@code key} as a client does: asks for the statement ({@code POST /v1/keys/challenge}),
   * signs it with the private key and posts {@code {public_key, proof}}. Returns the enrolment's answer.
   */
  public Response enrol(String token, dev.arbiter.core.crypto.SigningKey key) throws Exception {
    String pem = key.verifyingKey().toSpkiPem();
    Response issued = postAs(token, "/v1/keys/challenge", java.util.UUID.randomUUID().toString(),
        JSON.createObjectNode().put("public_key", pem).toString());
    if (issued.status() != 201) {
      throw new AssertionError("enrolment challenge refused: " + issued);
    }
    var statement = dev.arbiter.core.approval.EnrolmentStatement.fromJson(issued.json().get("statement"));
    return postAs(token, "/v1/keys", java.util.UUID.randomUUID().toString(),
        enrolBody(pem, dev.arbiter.core.approval.EnrolmentProof.sign(statement, key).toJson()));
  }

  /** {@code {"public_key": pem, "proof": proof}} (no proof member when {@code proof} is null). */
  public static String enrolBody(String pem, JsonNode proof) {
    var body = JSON.createObjectNode().put("public_key", pem);
    if (proof != null) {
      body.set("proof", proof);
    }
    return body.toString();
  }

  /** GETs as a reviewer who may read every decision (role {@code manager}, all domains). */
  public Response get(String path) throws IOException, InterruptedException {
    return getAs(TestIdentity.token("reviewer-test", "manager"), path);
  }

  public Response getAs(String token, String path) throws IOException, InterruptedException {
    HttpRequest.Builder b = request(path).GET();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return send(b.build());
  }

  /** HEADs as the reviewer {@link #get} uses. */
  public Response head(String path) throws IOException, InterruptedException {
    return send(request(path).method("HEAD", HttpRequest.BodyPublishers.noBody())
        .header("Authorization", "Bearer " + TestIdentity.token("reviewer-test", "manager")).build());
  }

  /** The decision as GET returns it (read as the proposer of the example requests). */
  public JsonNode json(String decisionId) throws IOException, InterruptedException {
    return getAs(TestIdentity.token("agent-7"), "/v1/decisions/" + decisionId).json();
  }

  private static String actorIn(String body) {
    try {
      JsonNode n = JSON.readTree(body);
      JsonNode id = n.path("context").path("actor").path("id");
      if (!id.isTextual()) {
        id = n.path("actor").path("id");
      }
      return id.isTextual() && !id.asText().isBlank() ? id.asText() : "agent-test";
    } catch (IOException | RuntimeException e) {
      return "agent-test";
    }
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).timeout(Duration.ofSeconds(20));
  }

  private Response send(HttpRequest r) throws IOException, InterruptedException {
    HttpResponse<String> res = client.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    return new Response(res.statusCode(), res.headers().firstValue("Content-Type").orElse(""),
        res.headers().firstValue("Retry-After").orElse(null), res.body());
  }

  /** The event types of one decision's stream, in order. */
  public List<String> trail(String decisionId) throws Exception {
    return entries(decisionId).stream().map(StoredEntry::eventType).toList();
  }

  public List<StoredEntry> entries(String streamId) throws Exception {
    return ledger.store().query(new EntryQuery(streamId, null, 0, 1000));
  }

  public long ledgerSize() throws Exception {
    return ledger.store().size();
  }

  public JsonNode payload(StoredEntry e) throws IOException {
    return JSON.readTree(e.envelope()).get("payload");
  }

  /** Makes the store refuse every insert (as a full disk would), or lifts that. */
  public void refuseInserts(boolean refuse) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      st.execute(refuse
          ? "CREATE TRIGGER refuse BEFORE INSERT ON entries BEGIN SELECT RAISE(ABORT, 'disk full'); END"
          : "DROP TRIGGER refuse");
    }
  }

  /** Makes the store refuse inserts of one event type only (a fault that lands between two appends), or lifts that. */
  public void refuseInsertsOf(String eventType, boolean refuse) throws Exception {
    if (!eventType.matches("[a-z_.]+")) {
      throw new IllegalArgumentException(eventType);
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      st.execute(refuse
          ? "CREATE TRIGGER refuse_type BEFORE INSERT ON entries WHEN NEW.event_type = '" + eventType
              + "' BEGIN SELECT RAISE(ABORT, 'disk full'); END"
          : "DROP TRIGGER refuse_type");
    }
  }

  @Override
  public void close() {
    server.close();
    ledger.close();
  }

  /** One HTTP answer. */
  public record Response(int status, String contentType, String retryAfter, String body) {
    public JsonNode json() throws IOException {
      return JSON.readTree(body);
    }

    @Override
    public String toString() {
      return status + " " + contentType + " " + body;
    }
  }
}
