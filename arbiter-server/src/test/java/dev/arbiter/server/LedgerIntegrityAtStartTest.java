package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.server.TestServer.Response;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An envelope edited by hand while the engine was down (its hash left alone, as the walkthrough's
 * tamper step does) passed the start's own checks and was served. The whole ledger is now verified
 * in the background at start; on a failure the engine refuses every change and is not ready.
 */
class LedgerIntegrityAtStartTest extends ServerTest {

  @Test
  @Timeout(60)
  void anIntactLedger_isVerifiedAtStart_andServes() throws Exception {
    t.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY);
    t.restart();
    JsonNode ready = awaitCheck();
    assertThat(ready.get("ledger_integrity").get("status").asText()).isEqualTo("verified");
    assertThat(ready.get("ledger_integrity").get("entries").asLong()).isPositive();
    assertThat(t.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY).status()).isEqualTo(201);
  }

  @Test
  @Timeout(60)
  void anEnvelopeEditedWhileStopped_isFoundAtStart_andEveryChangeIsRefused() throws Exception {
    String id = t.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY).json().get("decision_id").asText();
    t.restartAfter(() -> {
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + t.db); Statement st = c.createStatement()) {
        st.execute("DROP TRIGGER entries_no_update");
        assertThat(st.executeUpdate("UPDATE entries SET envelope = CAST(replace(CAST(envelope AS TEXT), 'CHG-2291',"
            + " 'CHG-2292') AS BLOB) WHERE stream_id = '" + id + "' AND stream_seq = 0 AND instr(CAST(envelope AS TEXT), 'CHG-2291') > 0")).isEqualTo(1);
      }
    });

    JsonNode ready = awaitCheck();
    assertThat(ready.get("status").asText()).isEqualTo("not_ready");
    assertThat(ready.get("ledger_integrity").get("status").asText()).isEqualTo("failed");
    assertThat(ready.get("ledger_integrity").get("detail").asText()).contains(id);

    Response submit = t.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY);
    assertThat(submit.status()).as(submit.toString()).isEqualTo(503);
    assertThat(submit.json().get("type").asText()).endsWith("governance-degraded");
    assertThat(submit.json().get("detail").asText()).contains("integrity");
    Response cancel = t.post("/v1/decisions/" + id + "/cancel", "c-1", "{}");
    assertThat(cancel.status()).isEqualTo(503);
    assertThat(t.get("/v1/decisions/" + id).status()).as("what was recorded can still be read").isEqualTo(200);
  }

  /** /v1/ready once the background check has finished. */
  private JsonNode awaitCheck() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      JsonNode ready = TestServer.JSON.readTree(t.get("/v1/ready").body());
      if (!ready.get("ledger_integrity").get("status").asText().equals("verifying") || System.nanoTime() > deadline) {
        return ready;
      }
      Thread.sleep(20);
    }
  }
}
