package dev.arbiter.ledger.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine holds other writers out from its start's verification to the end of its replay: a hand
 * edit made in that window (sqlite3 with the triggers dropped) is refused, reads are not, and once
 * released the file is writable again.
 */
class HoldOtherWritersTest {
  @TempDir Path dir;

  @Test
  void whileHeld_anotherConnectionCannotWrite_butCanRead_andAfterwardsItCan() throws Exception {
    Path db = dir.resolve("l.db");
    try (SqliteLedgerStore store = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.CREATE_IF_MISSING);
        Connection hand = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement st = hand.createStatement()) {
      st.execute("INSERT INTO ledger_meta (key, value) VALUES ('test', 'a row to edit')");
      st.execute("DROP TRIGGER ledger_meta_no_update");
      try (dev.arbiter.ledger.store.LedgerStore.WritersHeld held = store.holdOtherWriters()) {
        assertThatThrownBy(() -> st.executeUpdate("UPDATE ledger_meta SET value = value"))
            .isInstanceOf(SQLException.class).hasMessageContaining("locked");
        try (var rs = st.executeQuery("SELECT count(*) FROM ledger_meta")) {
          assertThat(rs.getLong(1)).isPositive();
        }
      }
      assertThat(st.executeUpdate("UPDATE ledger_meta SET value = value")).isPositive();
    }
  }
}
