package dev.arbiter.gateway.burn;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The gateway's durable record of used grants: one row per burned {@code grant_id} in its own SQLite
 * file (WAL, {@code synchronous=FULL}: a burn is on disk before the call is forwarded).
 *
 * <p>Single use is the database's job, not this class's: {@code grant_id} is the table's primary key
 * and {@link #burn} is one {@code INSERT … ON CONFLICT (grant_id) DO NOTHING}; the row count says who
 * won. There is no check-then-insert to race, within this process, across processes sharing the file,
 * or across restarts. Rows are never changed or removed: triggers abort UPDATE and DELETE, so a burned
 * grant stays burned (expired rows are kept; they are small and say when a grant was used). A third
 * trigger turns an insert of an already burned id into a no-op, so {@code INSERT OR REPLACE} cannot
 * rewrite a row either.
 *
 * <p>Thread-safe: one connection, used under a lock (a {@link ReentrantLock}, which does not pin
 * virtual threads).
 */
public final class BurnStore implements AutoCloseable {
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
  };

  private final Path file;
  private final Clock clock;
  private final Connection conn;
  private final ReentrantLock lock = new ReentrantLock();
  private boolean closed;

  private BurnStore(Path file, Clock clock, Connection conn) {
    this.file = file;
    this.clock = clock;
    this.conn = conn;
  }

  /**
   * Opens (creating if missing) the burn store at {@code file}. A file that is some other SQLite
   * database is refused.
   *
   * @throws BurnStoreUnavailableException if the file cannot be opened or initialised
   */
  public static BurnStore open(Path file, Clock clock) throws BurnStoreUnavailableException {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(clock, "clock");
    Connection conn = null;
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Properties props = new Properties();
      props.setProperty("busy_timeout", "10000");
      conn = DriverManager.getConnection("jdbc:sqlite:" + file, props);
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
        st.execute("PRAGMA synchronous=FULL");
        for (String ddl : SCHEMA) {
          st.execute(ddl);
        }
        st.execute("PRAGMA application_id = " + APPLICATION_ID);
      }
      return new BurnStore(file, clock, conn);
    } catch (BurnStoreUnavailableException e) {
      closeQuietly(conn);
      throw e;
    } catch (SQLException | java.io.IOException e) {
      closeQuietly(conn);
      throw new BurnStoreUnavailableException("cannot open burn store " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Burns {@code grantId}: true exactly once per grant id for the life of the file, false when it was
   * burned before (by any thread, process or earlier run).
   *
   * @throws BurnStoreUnavailableException if the store cannot durably answer; the caller must refuse
   */
  public boolean burn(String grantId, String decisionId, Instant expiresAt) throws BurnStoreUnavailableException {
    Objects.requireNonNull(grantId, "grantId");
    Objects.requireNonNull(decisionId, "decisionId");
    Objects.requireNonNull(expiresAt, "expiresAt");
    lock.lock();
    try {
      if (closed) {
        throw new BurnStoreUnavailableException("burn store " + file + " is closed", null);
      }
      try (PreparedStatement ps = conn.prepareStatement(
          "INSERT INTO burned_grants (grant_id, decision_id, burned_at, expires_at) VALUES (?, ?, ?, ?)"
              + " ON CONFLICT (grant_id) DO NOTHING")) {
        ps.setString(1, grantId);
        ps.setString(2, decisionId);
        ps.setString(3, clock.instant().toString());
        ps.setString(4, expiresAt.toString());
        return ps.executeUpdate() == 1;
      } catch (SQLException e) {
        throw new BurnStoreUnavailableException("burn store " + file + " failed: " + e.getMessage(), e);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Whether {@code grantId} was burned (for diagnostics and tests; never a substitute for {@link #burn}). */
  public boolean isBurned(String grantId) throws BurnStoreUnavailableException {
    lock.lock();
    try {
      if (closed) {
        throw new BurnStoreUnavailableException("burn store " + file + " is closed", null);
      }
      try (PreparedStatement ps = conn.prepareStatement("SELECT 1 FROM burned_grants WHERE grant_id = ?")) {
        ps.setString(1, grantId);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next();
        }
      } catch (SQLException e) {
        throw new BurnStoreUnavailableException("burn store " + file + " failed: " + e.getMessage(), e);
      }
    } finally {
      lock.unlock();
    }
  }

  public Path file() {
    return file;
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (!closed) {
        closed = true;
        closeQuietly(conn);
      }
    } finally {
      lock.unlock();
    }
  }

  private static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // nothing left to release
      }
    }
  }
}
