package dev.arbiter.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import dev.arbiter.ledger.verify.LedgerVerifier;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A commit that SQLite rolls back by itself, as it does on a full disk ({@code SQLITE_FULL}) or an
 * I/O error: the transaction is gone, and the connection is back in autocommit mode. Black-box run on
 * a full tmpfs: the writer's own rollback then failed ("no transaction is active"), every later
 * batch's inserts committed one by one, a batch's entries were stored without their checkpoint (the
 * ledger no longer verified), and nothing recovered once space was freed. Here {@code RAISE(ROLLBACK)}
 * in a trigger makes SQLite roll the transaction back exactly so.
 */
class RolledBackCommitTest {
  @TempDir Path dir;

  @Test
  void aTransactionSqliteRolledBackItself_leavesNothingHalfWritten_andAppendsRecoverAfterwards() throws Exception {
    Path db = dir.resolve("l.db");
    SigningKey key = TestLedgers.newKey();
    try (Ledger ledger = TestLedgers.open(db, key)) {
      TestLedgers.fill(ledger, 2, 10, 3);
      // Entries are inserted before their checkpoint: a rollback of the whole transaction at the
      // checkpoint's insert is what a disk that fills up mid-commit does.
      exec(db, "CREATE TRIGGER zz BEFORE INSERT ON checkpoints BEGIN SELECT RAISE(ROLLBACK, 'disk full (test)'); END");
      for (int i = 1; i <= 4; i++) {
        int n = i;
        assertThatThrownBy(() -> ledger.append(TestLedgers.draft("dec_full", "decision.created", n)).join())
            .as("append %d while every commit is rolled back", n).hasCauseInstanceOf(LedgerUnavailableException.class);
      }
      assertThat(stored(db)).as("no entry of a failed commit is stored").isEqualTo(20);
      exec(db, "DROP TRIGGER zz"); // space is back
      AppendedEvent next = ledger.append(TestLedgers.draft("dec_after", "decision.created", 1)).join();
      assertThat(next.receipt().leafIndex()).isEqualTo(20);
      assertThat(ledger.append(TestLedgers.draft("dec_after", "decision.evaluated", 2)).join().receipt().leafIndex())
          .isEqualTo(21);
    }
    try (SqliteLedgerStore s = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
      assertThat(new LedgerVerifier(s, key.verifyingKey(), null, null).verify().entries()).isEqualTo(22);
    }
  }

  private static long stored(Path db) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
        var rs = st.executeQuery("SELECT count(*) FROM entries")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void exec(Path db, String... sql) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      for (String s : sql) {
        st.execute(s);
      }
    }
  }
}
