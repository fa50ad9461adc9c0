package dev.arbiter.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.store.CorruptLedgerException;
import dev.arbiter.ledger.store.EntryQuery;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import dev.arbiter.ledger.verify.LedgerVerifier;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A trigger that silently drops inserts ({@code RAISE(IGNORE)}): the writer must never acknowledge an
 * append the store did not keep. Planted while the ledger is open, the commit fails (every insert
 * must change exactly one row); planted before it opens, the writer refuses the altered schema.
 */
class PlantedTriggerTest {
  @TempDir Path dir;
  Path db;
  SigningKey key;

  @BeforeEach
  void createLedger() throws Exception {
    db = dir.resolve("l.db");
    key = TestLedgers.newKey();
    try (Ledger ledger = TestLedgers.open(db, key)) {
      TestLedgers.fill(ledger, 2, 10, 3);
    }
  }

  @ParameterizedTest(name = "on {0}")
  @ValueSource(strings = {"entries", "checkpoints"})
  void ignoreTriggerPlantedWhileOpen_failsTheAppend_andNothingIsAcknowledged(String table) throws Exception {
    try (Ledger ledger = TestLedgers.open(db, key)) {
      exec("CREATE TRIGGER zz BEFORE INSERT ON " + table + " BEGIN SELECT RAISE(IGNORE); END");
      // The first commit after the schema changed under the writer's connection fails anyway
      // (SQLITE_BUSY_SNAPSHOT); the writer reloads, and the next ones meet the trigger itself.
      for (int i = 1; i <= 3; i++) {
        int n = i;
        assertThatThrownBy(() -> ledger.append(TestLedgers.draft("sys:keys", "key.revoked", n)).join())
            .as("append %d with the trigger in place", n)
            .hasCauseInstanceOf(LedgerUnavailableException.class);
      }
      assertThat(ledger.latestCheckpoint().treeSize()).isEqualTo(20);
      exec("DROP TRIGGER zz");
      // The writer reloaded from what is stored: the next append takes the leaf the failed one did not.
      AppendedEvent next = ledger.append(TestLedgers.draft("sys:keys", "key.revoked", 2)).join();
      assertThat(next.receipt().leafIndex()).isEqualTo(20);
      assertThat(next.envelope().streamSeq()).isZero();
    }
    try (SqliteLedgerStore s = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
      assertThat(s.query(new EntryQuery("sys:keys", null, 0, 10))).hasSize(1);
      assertThat(new LedgerVerifier(s, key.verifyingKey(), null, null).verify().entries()).isEqualTo(21);
    }
  }

  @Test
  void triggerPlantedWhileClosed_theWriterRefusesToOpen() throws Exception {
    exec("CREATE TRIGGER zz BEFORE INSERT ON entries WHEN NEW.event_type = 'key.revoked' BEGIN SELECT RAISE(IGNORE); END");
    assertThatThrownBy(() -> TestLedgers.open(db, key).close())
        .isInstanceOf(CorruptLedgerException.class)
        .hasMessageContaining("refusing to append").hasMessageContaining("trigger `zz` on entries");
    // Reading it is not refused: verify is what names the change.
    try (SqliteLedgerStore s = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
      assertThat(s.size()).isEqualTo(20);
    }
  }

  @Test
  void droppedProtectiveTrigger_doesNotStopTheWriter() throws Exception {
    exec("DROP TRIGGER entries_no_update");
    try (Ledger ledger = TestLedgers.open(db, key)) {
      assertThat(ledger.append(TestLedgers.draft("dec_a", "decision.created", 1)).join().receipt().leafIndex()).isEqualTo(20);
    }
  }

  private void exec(String... sql) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      for (String s : sql) {
        st.execute(s);
      }
    }
  }
}
