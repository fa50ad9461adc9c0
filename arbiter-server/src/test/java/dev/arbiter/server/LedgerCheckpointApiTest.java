package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.server.engine.StartupVerification;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/ledger/checkpoint} (DESIGN §6) hands any authenticated caller the latest signed
 * checkpoint, so that a witness can keep one where the database's owner cannot write; a start given
 * that checkpoint refuses a ledger cut back below it while the engine was stopped, which the ledger's
 * own checkpoints cannot show (they are cut too).
 */
class LedgerCheckpointApiTest extends ServerTest {
  private static final String READ = """
      {"action": {"class": "read", "tool": "grafana", "intent": "check error rate",
                  "target": {"type": "dashboard", "id": "payments-slo"}, "payload": {"panel": 4}},
       "context": {"actor": {"id": "agent-9"}, "environment": "dev"}}""";

  private void submit(int n) throws Exception {
    for (int i = 0; i < n; i++) {
      assertThat(t.post("/v1/decisions", UUID.randomUUID().toString(), READ).status()).isEqualTo(201);
    }
  }

  private Checkpoint checkpoint() throws Exception {
    TestServer.Response r = t.getAs(TestIdentity.token("agent-9"), "/v1/ledger/checkpoint");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.contentType()).startsWith("application/json");
    return Checkpoint.fromJson(r.json());
  }

  @Test
  void anAgent_getsTheLatestCheckpoint_signedByTheLedgerKey_coveringEveryEntry() throws Exception {
    submit(3);
    Checkpoint cp = checkpoint();
    t.ledgerKey.verifyingKey().verify(cp.signingInput(), cp.signature()); // throws when it does not verify
    assertThat(cp.treeSize()).isEqualTo(t.ledgerSize());
    assertThat(cp.ledgerId()).isEqualTo(t.ledger.identity().ledgerId());

    submit(2);
    assertThat(checkpoint().treeSize()).as("the next one extends it").isEqualTo(t.ledgerSize()).isGreaterThan(cp.treeSize());
  }

  @Test
  void withoutAToken_itIsRefused() throws Exception {
    TestServer.Response r = t.getAs(null, "/v1/ledger/checkpoint");
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.json().get("type").asText()).endsWith("/unauthenticated");
  }

  @Test
  void aTailCutWhileStopped_startsWithoutAWitness_butNotAgainstTheWitnessCheckpoint() throws Exception {
    submit(4);
    long cut = t.ledgerSize();
    submit(4);
    Checkpoint witness = checkpoint();
    assertThat(witness.treeSize()).isGreaterThan(cut);

    // A hostile DBA removes the last decisions whole: entries, their checkpoints (the tree is small,
    // so no stored tile covers them), leaving a ledger that is consistent in itself.
    t.trust(witness);
    assertThatThrownBy(() -> t.restartAfter(() -> {
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + t.db); Statement st = c.createStatement()) {
        st.execute("DROP TRIGGER entries_no_delete");
        st.execute("DROP TRIGGER checkpoints_no_delete");
        assertThat(st.executeUpdate("DELETE FROM entries WHERE leaf_index >= " + cut)).isPositive();
        st.execute("DELETE FROM checkpoints WHERE tree_size > " + cut);
        try (var rs = st.executeQuery("SELECT max(tree_size) FROM checkpoints")) {
          assertThat(rs.getLong(1)).as("a checkpoint closes every commit, the cut's too").isEqualTo(cut);
        }
      }
    })).isInstanceOf(StartupVerification.Failed.class).hasMessageContaining("truncated");
    assertThat(t.ledger.store().size()).as("nothing appended to the cut ledger").isEqualTo(cut);

    // The same files without the witness: the cut is invisible from inside, which is why it is kept outside.
    t.trust(null);
    t.restart();
    assertThat(checkpoint().treeSize()).isGreaterThanOrEqualTo(cut);
  }
}
