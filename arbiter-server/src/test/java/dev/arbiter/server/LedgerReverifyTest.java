package dev.arbiter.server;

import static dev.arbiter.server.DecisionApiTest.READ_DEV;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.server.TestServer.Response;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole ledger verified again while the engine runs: an edit made under the running engine (a
 * hostile DBA with the triggers dropped) is found by the next verification and puts the engine in
 * restriction mode; appends running beside it never raise a false alarm.
 */
class LedgerReverifyTest {
  @TempDir Path dir;

  @Test
  void anEditUnderTheRunningEngine_isFound_andEveryChangeIsRefusedFromThen() throws Exception {
    try (TestServer t = TestServer.start(dir)) {
      String id = t.post("/v1/decisions", "r-1", READ_DEV).json().get("decision_id").asText();
      assertThat(t.server.reverifyNow()).isTrue();
      JsonNode ready = t.get("/v1/ready").json();
      assertThat(ready.get("ledger_integrity").get("status").asText()).isEqualTo("verified");
      assertThat(ready.get("ledger_integrity").get("scope").asText()).isEqualTo("periodic");

      long leaf = firstLeafOf(t, id);
      sql(t, "DROP TRIGGER entries_no_update");
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + t.db);
          PreparedStatement ps = c.prepareStatement("UPDATE entries SET envelope = replace(envelope, 'smoke', 'smoky')"
              + " WHERE leaf_index = ?")) {
        ps.setLong(1, leaf);
        assertThat(ps.executeUpdate()).isEqualTo(1);
      }

      assertThat(t.server.reverifyNow()).isFalse();
      Response notReady = t.get("/v1/ready");
      assertThat(notReady.status()).isEqualTo(503);
      assertThat(notReady.json().get("ledger_integrity").get("status").asText()).isEqualTo("failed");
      assertThat(notReady.json().get("ledger_integrity").get("detail").asText()).contains("leaf " + leaf);
      Response refused = t.post("/v1/decisions", "r-2", READ_DEV);
      assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
      assertThat(refused.json().get("type").asText()).endsWith("/ledger-integrity-failed");
    }
  }

  /** Entries, checkpoints and all cut together verify without a witness; the engine's own last checkpoint is one. */
  @Test
  void aTailCutUnderTheRunningEngine_isFound() throws Exception {
    try (TestServer t = TestServer.start(dir)) {
      t.post("/v1/decisions", "r-1", READ_DEV);
      long kept = t.ledgerSize();
      for (int i = 0; i < 3; i++) {
        assertThat(t.post("/v1/decisions", "more-" + i, READ_DEV).status()).isEqualTo(201);
      }
      sql(t, "DROP TRIGGER entries_no_delete", "DROP TRIGGER checkpoints_no_delete",
          "DELETE FROM entries WHERE leaf_index >= " + kept, "DELETE FROM checkpoints WHERE tree_size > " + kept);

      assertThat(t.server.reverifyNow()).isFalse();
      assertThat(t.get("/v1/ready").json().get("ledger_integrity").get("detail").asText()).contains("truncated");
    }
  }

  /** Black-box run: a trigger dropped under the running engine was reported by `ledger verify` and at the next start only. */
  @Test
  void aDroppedAppendOnlyTrigger_isReportedByTheRunningEngine_withoutStoppingIt() throws Exception {
    try (TestServer t = TestServer.start(dir)) {
      t.post("/v1/decisions", "r-1", READ_DEV);
      sql(t, "DROP TRIGGER entries_no_update");
      assertThat(t.server.reverifyNow()).isTrue();
      Response ready = t.get("/v1/ready");
      assertThat(ready.status()).isEqualTo(200);
      assertThat(ready.json().get("ledger_integrity").get("warnings").toString()).contains("entries_no_update");
    }
  }

  /** Review: a ledger file moved away (or replaced) read as "cannot read now" for good. */
  @Test
  void aLedgerFileMovedAwayUnderTheEngine_isAVerdict() throws Exception {
    try (TestServer t = TestServer.start(dir)) {
      t.post("/v1/decisions", "r-1", READ_DEV);
      java.nio.file.Files.move(t.db, t.db.resolveSibling("elsewhere.db"));
      assertThat(t.server.reverifyNow()).isFalse();
      assertThat(t.get("/v1/ready").json().get("ledger_integrity").get("detail").asText()).contains("was removed");
      assertThat(t.post("/v1/decisions", "r-2", READ_DEV).status()).isEqualTo(503);
      java.nio.file.Files.move(t.db.resolveSibling("elsewhere.db"), t.db); // for the close
    }
  }

  @Test
  void appendsBesideTheVerification_neverRaiseAFalseAlarm() throws Exception {
    try (TestServer t = TestServer.start(dir)) {
      AtomicBoolean stop = new AtomicBoolean();
      List<Future<Integer>> writers = new ArrayList<>();
      try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
        for (int w = 0; w < 4; w++) {
          writers.add(pool.submit(() -> {
            int n = 0;
            while (!stop.get()) {
              Response r = t.post("/v1/decisions", UUID.randomUUID().toString(), READ_DEV);
              assertThat(r.status()).as(r.toString()).isEqualTo(201);
              n++;
            }
            return n;
          }));
        }
        try {
          for (int i = 0; i < 15; i++) {
            assertThat(t.server.reverifyNow()).as("verification %d, beside %d entries", i, t.ledgerSize()).isTrue();
          }
        } finally {
          stop.set(true);
        }
        int written = 0;
        for (Future<Integer> f : writers) {
          written += f.get(30, TimeUnit.SECONDS);
        }
        assertThat(written).as("decisions made while verifying").isPositive();
      }
      assertThat(t.get("/v1/ready").status()).isEqualTo(200);
    }
  }

  @Test
  void onItsInterval_theVerificationRunsByItself() throws Exception {
    try (TestServer t = TestServer.startWith(dir, c -> c.withReverifyEvery(Duration.ofMillis(200)))) {
      String id = t.post("/v1/decisions", "r-1", READ_DEV).json().get("decision_id").asText();
      long leaf = firstLeafOf(t, id);
      sql(t, "DROP TRIGGER entries_no_update", "UPDATE entries SET stream_seq = stream_seq + 7 WHERE leaf_index = " + leaf);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (t.get("/v1/ready").status() == 200 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(t.get("/v1/ready").status()).isEqualTo(503);
      assertThat(t.post("/v1/decisions", "r-2", READ_DEV).status()).isEqualTo(503);
    }
  }

  private static long firstLeafOf(TestServer t, String decisionId) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + t.db);
        PreparedStatement ps = c.prepareStatement("SELECT min(leaf_index) FROM entries WHERE stream_id = ?")) {
      ps.setString(1, decisionId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static void sql(TestServer t, String... statements) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + t.db); Statement st = c.createStatement()) {
      for (String s : statements) {
        st.execute(s);
      }
    }
  }
}
