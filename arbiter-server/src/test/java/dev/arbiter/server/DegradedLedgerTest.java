package dev.arbiter.server;

import static dev.arbiter.server.DecisionApiTest.READ_DEV;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.ledger.store.EntryQuery;
import dev.arbiter.server.TestServer.Response;
import org.junit.jupiter.api.Test;

/** When the ledger cannot confirm, the answer is queue (503 + Retry-After), never allow, and nothing is kept. */
class DegradedLedgerTest extends ServerTest {

  @Test
  void storeRefusingInserts_givesQueue_thenTheRetryWithTheSameKeyIsDecided() throws Exception {
    long size = t.ledgerSize();
    t.refuseInserts(true);

    Response queued = t.post("/v1/decisions", "retry-me", READ_DEV);

    assertThat(queued.status()).as(queued.toString()).isEqualTo(503);
    assertThat(queued.contentType()).startsWith("application/problem+json");
    assertThat(queued.retryAfter()).isEqualTo("2");
    assertThat(queued.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/governance-degraded");
    assertThat(queued.json().get("outcome").asText()).isEqualTo("queue");
    assertThat(queued.body()).doesNotContain("\"allow\"").doesNotContain("decision_id");
    assertThat(t.ledgerSize()).isEqualTo(size);
    assertThat(t.get("/v1/ready").status()).isEqualTo(503);

    t.refuseInserts(false);
    Response retried = t.post("/v1/decisions", "retry-me", READ_DEV);

    assertThat(retried.status()).as(retried.toString()).isEqualTo(201);
    assertThat(retried.json().get("outcome").asText()).isEqualTo("allow");
    assertThat(t.ledger.store().query(new EntryQuery(null, "decision.created", 0, 100))).hasSize(1);
    assertThat(t.get("/v1/ready").status()).isEqualTo(200);
  }

  @Test
  void aLedgerFailure_isAnsweredWithoutItsFilesOrSqliteErrors() throws Exception {
    t.refuseInserts(true);
    Response r = t.post("/v1/decisions", "fails-quietly", READ_DEV);
    t.refuseInserts(false);

    assertThat(r.status()).isEqualTo(503);
    assertThat(r.json().get("detail").asText()).isEqualTo("the ledger could not confirm")
        .doesNotContain(dir.toString()).doesNotContainIgnoringCase("sqlite");
  }

  @Test
  void anIdempotentReplayWhileTheLedgerRefuses_doesNotMarkItReady() throws Exception {
    assertThat(t.post("/v1/decisions", "earlier", READ_DEV).status()).isEqualTo(201);
    t.refuseInserts(true);
    assertThat(t.post("/v1/decisions", "fails", READ_DEV).status()).isEqualTo(503);
    assertThat(t.post("/v1/decisions", "earlier", READ_DEV).status()).isEqualTo(200); // replay, no append
    assertThat(t.get("/v1/ready").status()).isEqualTo(503);
    t.refuseInserts(false);
  }

  @Test
  void cancelWhileTheLedgerRefuses_isQueued_andTheDecisionStaysPending() throws Exception {
    String id = t.post("/v1/decisions", "p", DecisionApiTest.DEPLOY_PROD).json().get("decision_id").asText();
    t.refuseInserts(true);

    Response r = t.post("/v1/decisions/" + id + "/cancel", "c", DecisionLifecycleTest.CANCEL_CI);

    assertThat(r.status()).isEqualTo(503);
    assertThat(r.retryAfter()).isNotNull();
    t.refuseInserts(false);
    assertThat(t.get("/v1/decisions/" + id).json().get("status").asText()).isEqualTo("pending_authority");
    assertThat(t.trail(id)).doesNotContain("decision.cancelled");
  }
}
