package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.core.canonical.JsonDepth;
import dev.arbiter.server.TestServer.Response;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A request nested as deeply as the parser allows must never be recorded in a form the engine
 * cannot read back: its envelope is a few levels deeper, and an unreadable entry on an append-only
 * ledger would stop every later start. The parser's other limits are refused as what they are.
 */
class DeepJsonTest extends ServerTest {
  /** A read whose payload nests {@code arrays} arrays; the request itself is three levels more. */
  private static String readNesting(int arrays) {
    String nested = "[".repeat(arrays) + "]".repeat(arrays);
    return "{\"action\": {\"class\": \"read\", \"tool\": \"grafana\", \"intent\": \"x\", \"target\": {\"type\": \"t\","
        + " \"id\": \"i\"}, \"payload\": {\"n\": " + nested + "}}, \"context\": {\"actor\": {\"id\": \"agent-7\"},"
        + " \"environment\": \"dev\"}}";
  }

  @Test
  void aRequestAtTheLimitIsRecordedAndReadBackAfterARestart() throws Exception {
    Response r = t.post("/v1/decisions", UUID.randomUUID().toString(), readNesting(JsonDepth.INPUT - 3));
    assertThat(r.status()).isEqualTo(201);
    String id = r.json().get("decision_id").asText();

    t.restart();

    assertThat(t.json(id).get("status").asText()).isEqualTo("authorized");
    assertThat(t.post("/v1/decisions", UUID.randomUUID().toString(), ExecutionApiTest.READ).status()).isEqualTo(201);
  }

  @Test
  void aRequestOneLevelDeeperIsRefusedAndNothingIsRecorded() throws Exception {
    long before = t.ledger.latestCheckpoint().treeSize();
    Response r = t.post("/v1/decisions", UUID.randomUUID().toString(), readNesting(JsonDepth.INPUT - 2));

    assertThat(r.status()).isEqualTo(400);
    JsonNode problem = r.json();
    assertThat(problem.get("type").asText()).endsWith("/invalid-request");
    assertThat(problem.toString()).contains("too_deep");
    assertThat(t.ledger.latestCheckpoint().treeSize()).isEqualTo(before);
  }

  /** Black-box run: both were answered "JSON nested more than 64 levels". */
  @Test
  void aLongNumberOrFieldNameIsRefusedForWhatItIsNotAsTooDeep() throws Exception {
    long before = t.ledger.latestCheckpoint().treeSize();
    String template = "{\"action\": {\"class\": \"read\", \"payload\": {%s}}, \"context\": {\"actor\": {\"id\": \"agent-7\"}}}";
    Response number = t.post("/v1/decisions", UUID.randomUUID().toString(), template.formatted("\"n\": " + "9".repeat(1_001)));
    Response name = t.post("/v1/decisions", UUID.randomUUID().toString(), template.formatted("\"" + "k".repeat(60_000) + "\": 1"));

    assertThat(number.status()).isEqualTo(400);
    JsonNode numberError = number.json().get("errors").get(0);
    assertThat(numberError.get("code").asText()).isEqualTo("number_too_long");
    assertThat(numberError.get("got").asText()).isEqualTo("a number of 1001 characters");
    assertThat(number.body()).doesNotContain("too_deep").doesNotContain("nested");
    assertThat(name.status()).isEqualTo(400);
    JsonNode nameError = name.json().get("errors").get(0);
    assertThat(nameError.get("code").asText()).isEqualTo("name_too_long");
    assertThat(nameError.get("want").asText()).isEqualTo("at most 50000 characters in a field name");
    assertThat(name.body()).doesNotContain("too_deep").doesNotContain("nested");
    assertThat(t.ledger.latestCheckpoint().treeSize()).isEqualTo(before);
  }

  /** The other bodies read strictly: the limit by its code, not `malformed_json` cut off before its reason. */
  @Test
  void otherBodiesOverAParserLimitNameTheLimit() throws Exception {
    String id = t.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY).json().get("decision_id").asText();
    String alice = TestIdentity.token("alice", "supervisor");
    String longNumber = "{\"reason\": " + "9".repeat(1_001) + "}";
    for (Response r : new Response[] {
        t.post("/v1/decisions/" + id + "/cancel", UUID.randomUUID().toString(), longNumber),
        t.postAs(alice, "/v1/decisions/" + id + "/approvals", UUID.randomUUID().toString(), longNumber),
        t.postAs(alice, "/v1/decisions/" + id + "/challenge", UUID.randomUUID().toString(), longNumber),
        t.postAs(alice, "/v1/keys", UUID.randomUUID().toString(), longNumber)}) {
      assertThat(r.status()).as(r.toString()).isEqualTo(400);
      JsonNode error = r.json().get("errors").get(0);
      assertThat(error.get("code").asText()).as(r.toString()).isEqualTo("number_too_long");
      assertThat(error.get("got").asText()).isEqualTo("a number of 1001 characters");
    }
  }

  @Test
  void whatJacksonWouldOtherwiseAcceptIsRefusedWithoutA500() throws Exception {
    // 999 levels: within Jackson's default limit, and deep enough to overflow a recursive tree walk.
    for (String body : new String[] {readNesting(996),
        "{\"action\": {\"class\": \"read\", \"payload\": " + "{\"a\":".repeat(990) + "1" + "}".repeat(990) + "}}"}) {
      Response r = t.post("/v1/decisions", UUID.randomUUID().toString(), body);
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.contentType()).startsWith("application/problem+json");
    }
    t.restart();
    assertThat(t.post("/v1/decisions", UUID.randomUUID().toString(), ExecutionApiTest.READ).status()).isEqualTo(201);
  }
}
