package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.server.engine.StartupVerification;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * An envelope edited by hand while the engine was down (its hash left alone, as the walkthrough's
 * tamper step does) passed the start's own checks and was served. The whole ledger is now verified
 * before the engine starts; on a failure it does not start, and nothing is appended first.
 */
class LedgerIntegrityAtStartTest extends ServerTest {

  @Test
  void anIntactLedger_isVerifiedAtStart_andServes() throws Exception {
    t.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY);
    t.restart();
    JsonNode ready = TestServer.JSON.readTree(t.get("/v1/ready").body());
    assertThat(ready.get("status").asText()).isEqualTo("ready");
    assertThat(ready.get("ledger_integrity").get("status").asText()).isEqualTo("verified");
    assertThat(ready.get("ledger_integrity").get("entries").asLong()).isPositive();
    assertThat(t.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY).status()).isEqualTo(201);
  }

  @Test
  void anEnvelopeEditedWhileStopped_stopsTheStart_namingTheEntry_andNothingIsAppended() throws Exception {
    String id = t.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY).json().get("decision_id").asText();
    long[] sizeAfterTamper = new long[1];
    assertThatThrownBy(() -> t.restartAfter(() -> {
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + t.db); Statement st = c.createStatement()) {
        st.execute("DROP TRIGGER entries_no_update");
        assertThat(st.executeUpdate("UPDATE entries SET envelope = CAST(replace(CAST(envelope AS TEXT), 'CHG-2291',"
            + " 'CHG-2292') AS BLOB) WHERE stream_id = '" + id + "' AND stream_seq = 0")).isEqualTo(1);
        try (var rs = st.executeQuery("SELECT count(*) FROM entries")) {
          sizeAfterTamper[0] = rs.getLong(1);
        }
      }
    })).isInstanceOf(StartupVerification.Failed.class).hasMessageContaining(id).hasMessageContaining("leaf");
    assertThat(t.ledger.store().size()).as("nothing appended to a ledger that fails").isEqualTo(sizeAfterTamper[0]);
  }

  /**
   * A decision evicted from memory is read back from the file: edited there while the engine runs, it
   * is refused, and from then on every change is (the next start names it too).
   */
  @Test
  void aStreamEditedWhileRunning_isRefusedWhenReadBack_andTheEngineStopsChanging(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path other) throws Exception {
    try (TestServer small = TestServer.startWithCache(other, 16)) {
      String id = evictedDecision(small);
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + small.db); Statement st = c.createStatement()) {
        st.execute("DROP TRIGGER IF EXISTS entries_no_update");
        // the envelope alone, its hash left alone
        assertThat(st.executeUpdate("UPDATE entries SET envelope = CAST(replace(CAST(envelope AS TEXT), 'CHG-2291',"
            + " 'CHG-2292') AS BLOB) WHERE stream_id = '" + id + "' AND stream_seq = 0")).isEqualTo(1);
      }
      var read = small.get("/v1/decisions/" + id);
      assertThat(read.status()).as(read.toString()).isEqualTo(503);
      assertThat(read.json().get("type").asText()).endsWith("/ledger-integrity-failed");
      assertThat(read.json().get("detail").asText()).contains(id);
      assertThat(read.retryAfter()).as("not a passing outage: no retry is suggested").isNull();
      assertThat(small.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY).status()).isEqualTo(503);
      JsonNode health = TestServer.JSON.readTree(small.get("/v1/health").body());
      assertThat(health.get("ledger_integrity").get("status").asText()).isEqualTo("failed");
      JsonNode ready = TestServer.JSON.readTree(small.get("/v1/ready").body());
      assertThat(ready.get("status").asText()).isEqualTo("not_ready");
      assertThat(ready.get("ledger_integrity").get("status").asText()).isEqualTo("failed");
    }
  }

  /** The same with the stream's chain re-hashed by the editor: only the proof under the signed root shows it. */
  @Test
  void aStreamRehashedWhileRunning_failsItsInclusionProof(@org.junit.jupiter.api.io.TempDir java.nio.file.Path other)
      throws Exception {
    try (TestServer small = TestServer.startWithCache(other, 16)) {
      String id = evictedDecision(small);
      var entries = small.entries(id);
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + small.db)) {
        try (Statement st = c.createStatement()) {
          st.execute("DROP TRIGGER IF EXISTS entries_no_update");
        }
        byte[] prev = dev.arbiter.ledger.EntryHash.genesis();
        for (var e : entries) {
          byte[] env = e.streamSeq() == 0
              ? new String(e.envelope(), java.nio.charset.StandardCharsets.UTF_8).replace("CHG-2291", "CHG-2292")
                  .getBytes(java.nio.charset.StandardCharsets.UTF_8)
              : e.envelope();
          byte[] hash = dev.arbiter.ledger.EntryHash.compute(prev, env);
          try (var ps = c.prepareStatement("UPDATE entries SET envelope = ?, entry_hash = ? WHERE leaf_index = ?")) {
            ps.setBytes(1, env);
            ps.setBytes(2, hash);
            ps.setLong(3, e.leafIndex());
            assertThat(ps.executeUpdate()).isEqualTo(1);
          }
          prev = hash;
        }
      }
      var read = small.get("/v1/decisions/" + id);
      assertThat(read.status()).as(read.toString()).isEqualTo(503);
      assertThat(read.json().get("detail").asText()).contains("not included");
    }
  }

  /** The fold reads the event type from its column, outside the hash: an edit there is caught by the header check. */
  @Test
  void anEventTypeColumnEditedWhileRunning_isCaught(@org.junit.jupiter.api.io.TempDir java.nio.file.Path other)
      throws Exception {
    try (TestServer small = TestServer.startWithCache(other, 16)) {
      String id = evictedDecision(small);
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + small.db); Statement st = c.createStatement()) {
        st.execute("DROP TRIGGER IF EXISTS entries_no_update");
        assertThat(st.executeUpdate("UPDATE entries SET event_type = 'decision.expired' WHERE stream_id = '" + id
            + "' AND event_type = 'enforcement.result'")).isEqualTo(1);
      }
      var read = small.get("/v1/decisions/" + id);
      assertThat(read.status()).as(read.toString()).isEqualTo(503);
      assertThat(read.json().get("detail").asText()).contains("index columns");
    }
  }

  /** A row past everything this engine signed cannot be proven: not served, not cached, asked again each time. */
  @Test
  void aRowBeyondTheSignedTree_isNotServed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path other) throws Exception {
    try (TestServer small = TestServer.startWithCache(other, 16)) {
      String id = evictedDecision(small);
      forgeNextInStream(small, id, 1_000_000_000L);
      for (int attempt = 0; attempt < 2; attempt++) {
        var read = small.get("/v1/decisions/" + id);
        assertThat(read.status()).as(read.toString()).isEqualTo(503);
        assertThat(read.json().get("detail").asText()).contains("not under a signed checkpoint");
      }
    }
  }

  /**
   * Black-box run: a cancelled decision evicted from memory, its {@code decision.cancelled} deleted from
   * the file, came back pending and was approved, granted and executed. The shorter stream verifies
   * by itself (chain from 0, last entry under the signed root); it must reach where the engine last
   * knew it to end.
   */
  @Test
  void aCancellationDeletedWhileRunning_isCaughtWhenReadBack(@org.junit.jupiter.api.io.TempDir java.nio.file.Path other)
      throws Exception {
    try (TestServer small = TestServer.startWithCache(other, 16)) {
      String id = cancelledThenEvicted(small);
      deleteCancellation(small, id);
      var read = small.get("/v1/decisions/" + id);
      assertThat(read.status()).as(read.toString()).isEqualTo(503);
      assertThat(read.json().get("type").asText()).endsWith("/ledger-integrity-failed");
      assertThat(read.json().get("detail").asText()).contains(id).contains("entries were removed");
      assertThat(small.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY).status()).isEqualTo(503);
    }
  }

  /** The same for a decision the engine knows only from its start-up replay (never held since). */
  @Test
  void aCancellationDeletedAfterARestart_isCaughtWhenReadBack(@org.junit.jupiter.api.io.TempDir java.nio.file.Path other)
      throws Exception {
    try (TestServer small = TestServer.startWithCache(other, 16)) {
      String id = cancelledThenEvicted(small);
      small.restart();
      deleteCancellation(small, id);
      var read = small.get("/v1/decisions/" + id);
      assertThat(read.status()).as(read.toString()).isEqualTo(503);
      assertThat(read.json().get("detail").asText()).contains("entries were removed");
    }
  }

  private static String cancelledThenEvicted(TestServer small) throws Exception {
    String id = small.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY).json().get("decision_id").asText();
    var cancel = small.post("/v1/decisions/" + id + "/cancel", UUID.randomUUID().toString(),
        "{\"actor\":{\"id\":\"agent-7\"},\"reason\":\"wrong build\"}");
    assertThat(cancel.status()).as(cancel.toString()).isEqualTo(200);
    for (int i = 0; i < 40; i++) {
      small.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY);
    }
    return id;
  }

  private static void deleteCancellation(TestServer small, String id) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + small.db); Statement st = c.createStatement()) {
      st.execute("DROP TRIGGER IF EXISTS entries_no_delete");
      assertThat(st.executeUpdate("DELETE FROM entries WHERE stream_id = '" + id + "' AND event_type = 'decision.cancelled'"))
          .isEqualTo(1);
    }
  }

  /**
   * Black-box run: a row inserted under the running engine (at the next leaf, chained to its stream)
   * made the writer refuse to extend the ledger, and callers were told "retry after 2 s" while ready
   * said verified. It is the same integrity failure as a stream that does not verify.
   */
  @Test
  void aRowInsertedWhileRunning_isAnIntegrityFailure_notAnOutage() throws Exception {
    String id = t.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY).json().get("decision_id").asText();
    forgeNextInStream(t, id, t.ledgerSize());
    // The commit that collides with the row only fails (503, an outage so far); the writer's rebuild
    // then finds the file holds more than it signed, and from then on it is an integrity failure.
    var first = t.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY);
    assertThat(first.status()).as(first.toString()).isEqualTo(503);
    var refused = t.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY);
    assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
    assertThat(refused.json().get("type").asText()).endsWith("/ledger-integrity-failed");
    assertThat(refused.retryAfter()).isNull();
    JsonNode ready = TestServer.JSON.readTree(t.get("/v1/ready").body());
    assertThat(ready.get("ledger_integrity").get("status").asText()).isEqualTo("failed");
    JsonNode health = TestServer.JSON.readTree(t.get("/v1/health").body());
    assertThat(health.get("ledger_integrity").get("detail").asText()).contains("refuses to extend");
  }

  /**
   * Inserts, as a forger would, the next entry of stream {@code id} at leaf {@code leaf}: a copy of its
   * last entry renumbered, chained to it with a correctly computed hash, and signed by no checkpoint.
   */
  private static void forgeNextInStream(TestServer server, String id, long leaf) throws Exception {
    var entries = server.entries(id);
    var tail = entries.get(entries.size() - 1);
    long seq = tail.streamSeq() + 1;
    byte[] bytes = new String(tail.envelope(), java.nio.charset.StandardCharsets.UTF_8)
        .replace("\"leaf_index\":" + tail.leafIndex(), "\"leaf_index\":" + leaf)
        .replaceAll("\"stream_seq\":\\d+}$", "\"stream_seq\":" + seq + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + server.db); var ps = c.prepareStatement(
        "INSERT INTO entries (leaf_index, stream_id, stream_seq, event_type, entry_hash, envelope) VALUES (?,?,?,?,?,?)")) {
      ps.setLong(1, leaf);
      ps.setString(2, id);
      ps.setLong(3, seq);
      ps.setString(4, tail.eventType());
      ps.setBytes(5, dev.arbiter.ledger.EntryHash.compute(tail.entryHash(), bytes));
      ps.setBytes(6, bytes);
      ps.execute();
    }
  }

  /** A decision pushed out of the 16 states {@code small} keeps in memory: reading it reads the file. */
  private static String evictedDecision(TestServer small) throws Exception {
    String id = small.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY).json().get("decision_id").asText();
    for (int i = 0; i < 40; i++) {
      small.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY);
    }
    return id;
  }
}
