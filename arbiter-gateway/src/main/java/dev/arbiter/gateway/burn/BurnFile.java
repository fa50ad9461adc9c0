package dev.arbiter.gateway.burn;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * The burn store's SQLite file: its schema, and the connection {@link BurnStore} commits on, set up
 * for it (WAL, {@code synchronous=NORMAL}, an earlier run's commits checkpointed into the synced file).
 */
final class BurnFile {
  /** "ARBB" */
  static final int APPLICATION_ID = 0x41524242;

  private static final String[] SCHEMA = {
    """
    CREATE TABLE IF NOT EXISTS burned_grants (
      grant_id    TEXT PRIMARY KEY,
      decision_id TEXT NOT NULL,
      burned_at   TEXT NOT NULL,
      expires_at  TEXT NOT NULL
    ) WITHOUT ROWID""",
    """
    CREATE TRIGGER IF NOT EXISTS burned_grants_no_update BEFORE UPDATE ON burned_grants
    BEGIN SELECT RAISE(ABORT, 'arbiter burn store is append-only: UPDATE refused'); END""",
    """
    CREATE TRIGGER IF NOT EXISTS burned_grants_no_delete BEFORE DELETE ON burned_grants
    BEGIN SELECT RAISE(ABORT, 'arbiter burn store is append-only: DELETE refused'); END""",
    // INSERT OR REPLACE deletes the old row without firing DELETE triggers (unless recursive_triggers
    // is on, which another connection need not set): ignore any insert of a burned id instead.
    """
    CREATE TRIGGER IF NOT EXISTS burned_grants_no_replace BEFORE INSERT ON burned_grants
    WHEN EXISTS (SELECT 1 FROM burned_grants WHERE grant_id = NEW.grant_id)
    BEGIN SELECT RAISE(IGNORE); END""",
    // Reports to the ledger that did not reach it at the first try (PendingReports): kept until the
    // engine took them or refused them for good, so that a gateway restart does not lose them.
    """
    CREATE TABLE IF NOT EXISTS pending_reports (
      id       INTEGER PRIMARY KEY AUTOINCREMENT,
      report   TEXT NOT NULL,
      added_at TEXT NOT NULL
    )""",
    // Executions a gateway process has under way (BurnStore.OpenExecution): written in the burn's own
    // transaction, removed once the outcome or give-up is handed over. What a killed process leaves
    // here its successor reports as interrupted, so that no decision keeps a start without an outcome.
    """
    CREATE TABLE IF NOT EXISTS open_executions (
      grant_id  TEXT PRIMARY KEY,
      attempt   TEXT NOT NULL,
      grant     TEXT NOT NULL,
      owner     TEXT NOT NULL,
      opened_at TEXT NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS open_executions_by_owner ON open_executions (owner)",
  };
  private BurnFile() {}

  /**
   * Opens (creating if missing) the burn store at {@code file}, readable by its owner only ({@link
   * PrivateFile}); the caller closes the connection. A file that is some other SQLite database is
   * refused.
   */
  static Connection connect(Path file) throws SQLException, IOException, BurnStoreUnavailableException {
    PrivateFile.prepare(file); // 0600 before SQLite creates it with the umask (it holds grants)
    Properties props = new Properties();
    props.setProperty("busy_timeout", "10000");
    Connection conn = DriverManager.getConnection("jdbc:sqlite:" + file, props);
    try (Statement st = conn.createStatement()) {
      int appId;
      try (ResultSet rs = st.executeQuery("PRAGMA application_id")) {
        appId = rs.next() ? rs.getInt(1) : 0;
      }
      boolean empty;
      try (ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_master")) {
        empty = rs.next() && rs.getInt(1) == 0;
      }
      if (!empty && appId != APPLICATION_ID) {
        throw new BurnStoreUnavailableException(file + " is not an Arbiter burn store", null);
      }
      try (ResultSet rs = st.executeQuery("PRAGMA journal_mode=WAL")) {
        if (!rs.next() || !"wal".equalsIgnoreCase(rs.getString(1))) {
          throw new BurnStoreUnavailableException(file + ": WAL journal mode is not available", null);
        }
      }
      for (String ddl : SCHEMA) {
        st.execute(ddl);
      }
      st.execute("PRAGMA application_id = " + APPLICATION_ID);
      // Whatever an earlier run committed goes into the database file, synced (synchronous is still
      // FULL here), before this run answers anyone: a burn committed but not flushed before a
      // crash, and, after a failed flush, the rows Linux kept in its cache but may never write.
      // PASSIVE never waits: frames another connection's open snapshot still needs stay in the WAL
      // (BurnStore flushes them at open), and no other connection's burns wait behind this one.
      try (ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
        rs.next();
      }
      // Commits write the WAL without syncing it; the committer flushes it after each group (WalFile).
      st.execute("PRAGMA synchronous=NORMAL");
      PrivateFile.tightenAll(file); // what SQLite created itself (the WAL and SHM) is private as well
    } catch (SQLException | IOException | BurnStoreUnavailableException | RuntimeException e) {
      conn.close();
      throw e;
    }
    return conn;
  }
}
