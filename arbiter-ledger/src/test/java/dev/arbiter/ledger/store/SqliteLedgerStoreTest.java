package dev.arbiter.ledger.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteLedgerStoreTest extends LedgerStoreContract {
  @TempDir Path dir;

  @Override
  protected LedgerStore newStore() throws Exception {
    return SqliteLedgerStore.open(dir.resolve("contract.db"), SqliteLedgerStore.Mode.CREATE_IF_MISSING);
  }

  /** 4 KiB pages: larger ones write ~2.3× the bytes per commit and are throttled on a large file (BENCHMARKS.md). */
  @Test
  void aNewLedgerFile_has4KiBPages_andReopensWithThem() throws Exception {
    Path file = dir.resolve("pages.db");
    SqliteLedgerStore.open(file, SqliteLedgerStore.Mode.CREATE_IF_MISSING).close();
    SqliteLedgerStore.open(file, SqliteLedgerStore.Mode.CREATE_IF_MISSING).close();

    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        ResultSet rs = c.createStatement().executeQuery("PRAGMA page_size")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).isEqualTo(4 * 1024);
    }
  }
}
