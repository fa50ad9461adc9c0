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
}
