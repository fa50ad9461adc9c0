package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.ledger.receipt.Receipt;
import dev.arbiter.ledger.receipt.ReceiptVerifier;
import dev.arbiter.server.TestServer.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The /v1 decision API against a real server and a real SQLite ledger. */
class DecisionApiTest extends ServerTest {
  static final String READ_DEV = """
      {"action":{"class":"read","tool":"x","intent":"smoke","target":{"type":"service","id":"s1"},"payload":{}},\
      "context":{"actor":{"id":"agent_smoke"},"environment":"dev"}}""";
  static final String DEPLOY_PROD = """
      {"action":{"class":"deploy","tool":"deployer","intent":"release checkout","target":{"type":"service","id":"checkout"},\
      "payload":{"change_ticket":"CHG-1"}},"context":{"actor":{"id":"ci"},"environment":"production","reversible":true}}""";
  /** {@link #DEPLOY_PROD} by the actor of {@link #READ_DEV}: another request of the same caller. */
  static final String DEPLOY_PROD_BY_SMOKE = DEPLOY_PROD.replace("\"ci\"", "\"agent_smoke\"");


  @Test
  void post_allowedRead_isCreatedAuthorizedWithAVerifiableReceiptOfTheLastEvent() throws Exception {
    Response r = t.post("/v1/decisions", "k-1", READ_DEV);

    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    assertThat(r.contentType()).startsWith("application/json");
    JsonNode d = r.json();
    String id = d.get("decision_id").asText();
    assertThat(id).matches("dec_[0-9A-HJKMNP-TV-Z]{26}");
    assertThat(d.get("status").asText()).isEqualTo("authorized");
    assertThat(d.get("outcome").asText()).isEqualTo("allow");
    dev.arbiter.core.grant.Grant grant = dev.arbiter.core.grant.GrantCodec.verify(d.get("grant").asText(),
        kid -> java.util.Optional.of(t.engineKey.verifyingKey()).filter(k -> k.keyId().equals(kid)), java.time.Instant.now(),
        java.time.Duration.ZERO);
    assertThat(grant.decisionId()).isEqualTo(d.get("decision_id").asText());
    assertThat(grant.environment()).as("the environment the policy decided under").isEqualTo("dev");
    assertThat(grant.payloadHash()).isEqualTo(dev.arbiter.core.grant.Grant.payloadHash(
        TestServer.JSON.readTree(READ_DEV).get("action").get("payload")));
    assertThat(d.get("reasons").get(0).asText()).isEqualTo("reads in dev are auto-allowed");
    assertThat(d.get("risk").get("band").asText()).isEqualTo("low");
    assertThat(d.get("policy").get("hash").asText()).isEqualTo(TestServer.example().hash());
    assertThat(d.get("gates").size()).isGreaterThanOrEqualTo(20);
    assertThat(d.get("authority").get("min_signatures").asInt()).isZero();

    assertThat(t.trail(id)).containsExactly("decision.created", "risk.scored", "decision.evaluated", "enforcement.result",
        "grant.issued");
    Receipt receipt = Receipt.fromJson(d.get("receipt"));
    new ReceiptVerifier(t.ledgerKey.verifyingKey()).verify(receipt);
    assertThat(receipt.leafIndex()).isEqualTo(t.entries(id).get(4).leafIndex());
    // The grant carries the receipt of the authorising event, verifiable with the ledger key alone.
    Receipt authorised = Receipt.fromJson(grant.receipt());
    new ReceiptVerifier(t.ledgerKey.verifyingKey()).verify(authorised);
    assertThat(authorised.leafIndex()).isEqualTo(t.entries(id).get(3).leafIndex());
    // One durable write: grant.issued follows the trail in the same commit, and the grant's receipt
    // is against the checkpoint signed right after the trail, stored with it.
    assertThat(authorised.checkpoint().treeSize()).isEqualTo(t.entries(id).get(3).leafIndex() + 1);
    assertThat(t.ledger.store().checkpoint(authorised.checkpoint().treeSize())).isPresent();
    assertThat(t.entries(id).get(4).leafIndex()).isEqualTo(t.entries(id).get(3).leafIndex() + 1);
    assertThat(TestServer.JSON.readTree(t.entries(id).get(4).envelope()).get("at"))
        .as("sequenced in the same pass as the trail").isEqualTo(TestServer.JSON.readTree(t.entries(id).get(3).envelope()).get("at"));
    assertThat(t.payload(t.entries(id).get(4)).get("grant_id").asText()).isEqualTo(grant.grantId());
    assertThat(t.entries(id).get(4).envelope()).asString(java.nio.charset.StandardCharsets.UTF_8)
        .doesNotContain(d.get("grant").asText());
    assertThat(t.entries(id)).allSatisfy(e -> assertThat(TestServer.JSON.readTree(e.envelope()).get("policy_version").asText())
        .isEqualTo(TestServer.example().hash()));
  }

  @Test
  void post_productionDeploy_isPendingWithTheRequirementAndTheGateOnTheLedger() throws Exception {
    Response r = t.post("/v1/decisions", "k-2", DEPLOY_PROD);

    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    JsonNode d = r.json();
    assertThat(d.get("status").asText()).isEqualTo("pending_authority");
    assertThat(d.get("outcome").asText()).isEqualTo("pending_authority");
    assertThat(d.get("authority").get("min_signatures").asInt()).isEqualTo(2);
    assertThat(d.get("expires_at").asText()).isNotBlank();
    String id = d.get("decision_id").asText();
    assertThat(t.trail(id)).containsExactly("decision.created", "policy.gate", "risk.scored", "authority.required",
        "decision.evaluated", "enforcement.result");
    JsonNode created = t.payload(t.entries(id).get(0));
    assertThat(created.get("idempotency_key_hash").asText()).startsWith("sha256:");
    assertThat(created.toString()).doesNotContain("\"k-2\"");
    assertThat(created.get("request").get("context").get("environment").asText()).isEqualTo("production");
    assertThat(t.payload(t.entries(id).get(1)).get("id").asText()).isEqualTo("prod-deploy-approval");

    Response got = t.get("/v1/decisions/" + id);
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.json().get("decision_id").asText()).isEqualTo(id);
    assertThat(got.json().get("status").asText()).isEqualTo("pending_authority");
    assertThat(got.json().get("receipt").get("leaf_index").asLong()).isEqualTo(d.get("receipt").get("leaf_index").asLong());
  }

  @Test
  void idempotency_sameKeyAndBody_replaysTheDecisionWithoutASecondTrail() throws Exception {
    String id = t.post("/v1/decisions", "same", READ_DEV).json().get("decision_id").asText();
    long size = t.ledgerSize();

    Response again = t.post("/v1/decisions", "same", READ_DEV);
    Response reformatted = t.post("/v1/decisions", "same", TestServer.JSON.readTree(READ_DEV).toPrettyString());

    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().get("decision_id").asText()).isEqualTo(id);
    assertThat(reformatted.status()).isEqualTo(200);
    assertThat(reformatted.json().get("decision_id").asText()).isEqualTo(id);
    assertThat(t.ledgerSize()).isEqualTo(size);
    assertThat(t.trail(id)).hasSize(5);
  }

  @Test
  void idempotency_concurrentDuplicates_getOneDecisionAndOneTrail() throws Exception {
    var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      var futures = new java.util.ArrayList<java.util.concurrent.Future<Response>>();
      for (int i = 0; i < 8; i++) {
        futures.add(pool.submit(() -> t.post("/v1/decisions", "race", READ_DEV)));
      }
      java.util.Set<String> ids = new java.util.HashSet<>();
      int created = 0;
      for (var f : futures) {
        Response r = f.get();
        ids.add(r.json().get("decision_id").asText());
        created += r.status() == 201 ? 1 : 0;
      }
      assertThat(ids).hasSize(1);
      assertThat(created).isEqualTo(1);
      assertThat(t.ledger.store().query(new dev.arbiter.ledger.store.EntryQuery(null, "decision.created", 0, 100))).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void idempotency_sameKeyDifferentBody_is409AndRecordedOnTheDecision() throws Exception {
    String id = t.post("/v1/decisions", "client-key-7", READ_DEV).json().get("decision_id").asText();

    Response r = t.post("/v1/decisions", "client-key-7", DEPLOY_PROD_BY_SMOKE);

    assertThat(r.status()).isEqualTo(409);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/idempotency-conflict");
    assertThat(r.json().get("decision_id").asText()).isEqualTo(id);
    assertThat(r.body()).doesNotContain("client-key-7");
    assertThat(t.trail(id)).endsWith("decision.request_rejected");
    assertThat(t.payload(t.entries(id).get(5)).get("reason").asText()).isEqualTo("idempotency_conflict");
  }

  @Test
  void post_withoutIdempotencyKey_is400AndRecordsNothing() throws Exception {
    long size = t.ledgerSize();

    Response r = t.post("/v1/decisions", null, READ_DEV);

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.contentType()).startsWith("application/problem+json");
    JsonNode p = r.json();
    assertThat(p.get("type").asText()).isEqualTo("https://arbiter.dev/problems/idempotency-key-required");
    assertThat(p.get("status").asInt()).isEqualTo(400);
    assertThat(p.get("errors").get(0).get("path").asText()).isEqualTo("header.Idempotency-Key");
    assertThat(t.ledgerSize()).isEqualTo(size);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "bad json|{\"action\": |malformed_json|$",
      "duplicate key|{\"action\":{\"class\":\"read\"},\"action\":{\"class\":\"read\"}}|malformed_json|$",
      "unknown top-level field|{\"action\":{\"class\":\"read\"},\"context\":{\"actor\":{\"id\":\"a\"}},\"extra\":1}|unknown_field|extra",
      "wrong type|{\"action\":{\"class\":7},\"context\":{\"actor\":{\"id\":\"a\"}}}|wrong_type|action.class",
      "not an object|[1,2]|wrong_type|$",
  })
  void malformedRequests_are400ProblemsWithAStableTypeAndFieldErrors(String name, String body, String code, String path)
      throws Exception {
    long size = t.ledgerSize();

    Response r = t.post("/v1/decisions", "k-" + name.replace(' ', '-'), body);

    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.contentType()).startsWith("application/problem+json");
    JsonNode p = r.json();
    assertThat(p.get("type").asText()).isEqualTo("https://arbiter.dev/problems/invalid-request");
    assertThat(p.get("title").asText()).isEqualTo("Invalid request");
    assertThat(p.get("detail").asText()).isNotBlank();
    assertThat(p.get("errors")).anySatisfy(e -> {
      assertThat(e.get("code").asText()).isEqualTo(code);
      assertThat(e.get("path").asText()).isEqualTo(path);
      assertThat(e.has("got")).isTrue();
      assertThat(e.has("want")).isTrue();
    });
    assertThat(t.ledgerSize()).isEqualTo(size);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "integer beyond 2^53|9007199254740993",
      "overflowing float|1e400",
      "lone surrogate|\"\\ud800\"",
  })
  void valuesWithoutACanonicalForm_are400NotServerErrors(String name, String value) throws Exception {
    long size = t.ledgerSize();
    String body = READ_DEV.replace("\"payload\":{}", "\"payload\":{\"order_id\":" + value + "}");
    assertThat(body).contains("order_id");

    Response r = t.post("/v1/decisions", "nc-" + name.replace(' ', '-'), body);

    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/invalid-request");
    assertThat(r.json().get("errors").get(0).get("path").asText()).contains("order_id");
    assertThat(t.ledgerSize()).isEqualTo(size);
  }

  @Test
  void getOrCancel_ofAStreamThatIsNotADecision_is404() throws Exception {
    assertThat(t.get("/v1/decisions/sys:policy").status()).isEqualTo(404);
    assertThat(t.post("/v1/decisions/sys:policy/cancel", "c-sys", "{\"actor\":{\"id\":\"x\"}}").status()).isEqualTo(404);
  }

  @Test
  void aRequestAddressedToAnotherHost_isRefused_onALoopbackListener() throws Exception {
    // What a DNS-rebinding page would send: its own host name, resolved to 127.0.0.1.
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", t.server.port())) {
      s.getOutputStream().write(("GET /v1/health HTTP/1.1\r\nHost: attacker.example:" + t.server.port()
          + "\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(answer).startsWith("HTTP/1.1 421").contains("host-not-allowed");
    }
    assertThat(t.get("/v1/health").status()).isEqualTo(200);
  }

  @Test
  void oversizeBody_is413Problem() throws Exception {
    String big = "{\"action\":{\"class\":\"read\",\"payload\":{\"blob\":\"" + "x".repeat(70 * 1024) + "\"}}}";

    Response r = t.post("/v1/decisions", "big", big);

    assertThat(r.status()).isEqualTo(413);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/payload-too-large");
  }

  /** A raw POST /v1/decisions as agent_smoke: {@code headers} are added, {@code body} sent as given, then EOF. */
  private String rawPost(String key, String headers, byte[] body) throws Exception {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", t.server.port())) {
      s.getOutputStream().write(("POST /v1/decisions HTTP/1.1\r\nHost: 127.0.0.1:" + t.server.port()
          + "\r\nAuthorization: Bearer " + TestIdentity.token("agent_smoke")
          + "\r\nContent-Type: application/json\r\nIdempotency-Key: " + key + "\r\nConnection: close\r\n" + headers
          + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      s.getOutputStream().write(body);
      s.shutdownOutput();
      return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  private static byte[] chunked(String body) {
    byte[] b = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return (Integer.toHexString(b.length) + "\r\n" + body + "\r\n0\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Without a Content-Length the body is read up to the limit: a small one is decided, a large one is 413. */
  @Test
  void aChunkedBody_isReadUpToTheLimit() throws Exception {
    assertThat(rawPost("chunked-small", "Transfer-Encoding: chunked\r\n", chunked(READ_DEV))).startsWith("HTTP/1.1 201");
    String big = "{\"action\":{\"class\":\"read\",\"payload\":{\"blob\":\"" + "x".repeat(70 * 1024) + "\"}}}";
    long size = t.ledgerSize();

    assertThat(rawPost("chunked-big", "Transfer-Encoding: chunked\r\n", chunked(big))).startsWith("HTTP/1.1 413")
        .contains("payload-too-large");
    assertThat(t.ledgerSize()).isEqualTo(size);
  }

  /** A body that ends before its declared length is refused, and nothing is recorded. */
  @Test
  void aBodyShorterThanItsContentLength_is400_andNothingIsRecorded() throws Exception {
    byte[] body = READ_DEV.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    long size = t.ledgerSize();

    String answer = rawPost("short-body", "Content-Length: " + (body.length + 100) + "\r\n", body);

    assertThat(answer).startsWith("HTTP/1.1 400");
    assertThat(t.ledgerSize()).isEqualTo(size);
  }

  @Test
  void unknownActionClass_isDeniedWithItsTrailOnTheLedger() throws Exception {
    Response r = t.post("/v1/decisions", "k-unknown", READ_DEV.replace("\"read\"", "\"teleport\""));

    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    assertThat(r.json().get("outcome").asText()).isEqualTo("deny");
    assertThat(r.json().get("status").asText()).isEqualTo("denied");
    assertThat(r.json().get("authority").isNull()).isTrue();
    String id = r.json().get("decision_id").asText();
    assertThat(r.json().get("reasons").toString()).contains("teleport");
    assertThat(t.trail(id)).containsExactly("decision.created", "risk.scored", "decision.evaluated", "enforcement.result");
    assertThat(t.payload(t.entries(id).get(2)).get("outcome").asText()).isEqualTo("deny");
    assertThat(t.payload(t.entries(id).get(3)).get("status").asText()).isEqualTo("denied");
  }

  @Test
  void missingActor_isDeniedWithItsTrailOnTheLedger() throws Exception {
    Response r = t.post("/v1/decisions", "k-anon", READ_DEV.replace("\"actor\":{\"id\":\"agent_smoke\"},", ""));

    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    assertThat(r.json().get("outcome").asText()).isEqualTo("deny");
    String id = r.json().get("decision_id").asText();
    assertThat(t.trail(id)).containsExactly("decision.created", "risk.scored", "decision.evaluated", "enforcement.result");
    assertThat(t.payload(t.entries(id).get(3)).get("outcome").asText()).isEqualTo("deny");
    assertThat(TestServer.JSON.readTree(t.entries(id).get(0).envelope()).get("actor").get("id").asText())
        .as("recorded by the authenticated caller").isEqualTo("agent-test");
    assertThat(t.payload(t.entries(id).get(0)).get("proposer").isNull()).as("the request named no proposer").isTrue();
  }

  @Test
  void get_unknownDecision_is404Problem() throws Exception {
    Response r = t.get("/v1/decisions/dec_01JZZZZZZZZZZZZZZZZZZZZZZZ");

    assertThat(r.status()).isEqualTo(404);
    assertThat(r.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/decision-not-found");
  }

  @Test
  void head_answersWhatGetWould_withoutABody() throws Exception {
    // Javalin answered HEAD on a GET route 200 without running it: a decision that does not exist
    // looked present.
    Response missing = t.head("/v1/decisions/dec_01JZZZZZZZZZZZZZZZZZZZZZZZ");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.contentType()).startsWith("application/problem+json");
    assertThat(missing.body()).isEmpty();

    String id = t.post("/v1/decisions", "k-head", READ_DEV).json().get("decision_id").asText();
    Response present = t.head("/v1/decisions/" + id);
    assertThat(present.status()).isEqualTo(200);
    assertThat(present.body()).isEmpty();
    assertThat(t.head("/v1/ready").status()).isEqualTo(200);
  }

  @Test
  void unknownRoute_is404Problem() throws Exception {
    Response r = t.get("/v1/nothing-here");

    assertThat(r.status()).isEqualTo(404);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/not-found");
  }

  @Test
  void healthAndReady_answerWhileTheLedgerIsOpen() throws Exception {
    assertThat(t.get("/v1/health").status()).isEqualTo(200);
    Response ready = t.get("/v1/ready");
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().get("policy").get("hash").asText()).isEqualTo(TestServer.example().hash());
  }

  @Test
  void closedLedger_answersQueueNeverAllow_andReadyIs503() throws Exception {
    t.ledger.close();

    Response post = t.post("/v1/decisions", "after-close", READ_DEV);
    Response ready = t.get("/v1/ready");

    assertThat(ready.status()).isEqualTo(503);
    assertThat(post.status()).isEqualTo(503);
    assertThat(post.json().get("outcome").asText()).isEqualTo("queue");
    assertThat(post.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/governance-degraded");
    assertThat(post.retryAfter()).isNotNull();
  }
}
