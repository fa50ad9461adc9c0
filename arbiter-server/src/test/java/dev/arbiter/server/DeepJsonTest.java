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
 * ledger would stop every later start.
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
