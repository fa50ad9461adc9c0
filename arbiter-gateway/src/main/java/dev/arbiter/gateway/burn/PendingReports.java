package dev.arbiter.gateway.burn;

import dev.arbiter.ledger.store.sqlite.WalFile;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;

/**
 * Reports to the ledger that did not reach it at the first try (an execution's outcome, a give-up),
 * kept in the burn store's file (table {@code pending_reports}) until the engine takes them: a gateway
 * restarted while the engine is down still tells it what happened. Each {@link #add} is durable when it
 * returns: its own connection commits with {@code synchronous=NORMAL} and then flushes the WAL ({@link
 * WalFile}) outside SQLite's write lock, so a slow flush never holds up the burn committer (review: with
 * {@code FULL} the fsync ran under the lock the burns wait for). A removal is not flushed: one lost in
 * a crash is sent again, and the engine takes a report twice as once.
 *
 * <p>What a row holds is the caller's business (the gateway stores the report's JSON, grant included:
 * the grant is burned, and the file is the gateway's own). At most {@link #MAX_ROWS} rows wait at a
 * time: beyond that a report is refused here, and the caller keeps it in memory only.
 *
 * <p>Thread-safe (one connection, used under this object's monitor).
 */
public final class PendingReports implements AutoCloseable {
  /** Most reports waiting at once. */
  public static final int MAX_ROWS = 10_000;

  /** One waiting report. */
  public record Stored(long id, String report) {}

  private final Connection conn;
  private final WalFile wal;
  private final Clock clock;
  private final int maxRows;
  private int rows;
  private boolean closed;

  private PendingReports(Connection conn, WalFile wal, Clock clock, int maxRows, int rows) {
    this.conn = conn;
    this.wal = wal;
    this.clock = clock;
    this.maxRows = maxRows;
    this.rows = rows;
  }

  /**
   * Opens the reports of the burn store at {@code file}, which {@link BurnStore#open} has opened (and
   * so created, with its schema) first.
   */
  public static PendingReports open(Path file, Clock clock) throws BurnStoreUnavailableException {
    return open(file, clock, MAX_ROWS);
  }

  static PendingReports open(Path file, Clock clock, int maxRows) throws BurnStoreUnavailableException {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(clock, "clock");
    Properties props = new Properties();
    props.setProperty("busy_timeout", "10000");
    Connection conn = null;
    try {
      conn = DriverManager.getConnection("jdbc:sqlite:" + file, props);
      try (Statement st = conn.createStatement()) {
        try (ResultSet rs = st.executeQuery("PRAGMA application_id")) {
          if (!rs.next() || rs.getInt(1) != BurnFile.APPLICATION_ID) {
            throw new BurnStoreUnavailableException(file + " is not an Arbiter burn store", null);
          }
        }
        st.execute("PRAGMA synchronous=NORMAL"); // add() flushes the WAL itself, outside the write lock
        int n;
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pending_reports")) {
          n = rs.next() ? rs.getInt(1) : 0;
        }
        return new PendingReports(conn, WalFile.open(file), clock, maxRows, n);
      }
    } catch (SQLException | java.io.IOException | RuntimeException e) {
      close(conn);
      throw new BurnStoreUnavailableException("cannot open the pending reports of " + file + ": " + e.getMessage(), e);
    } catch (BurnStoreUnavailableException e) {
      close(conn);
      throw e;
    }
  }

  /**
   * Stores {@code report} durably; returns its id.
   *
   * @throws BurnStoreUnavailableException if it could not be stored (disk error, or the most allowed already wait)
   */
  public long add(String report) throws BurnStoreUnavailableException {
    Objects.requireNonNull(report, "report");
    long id;
    synchronized (this) {
      if (closed) {
        throw new BurnStoreUnavailableException("the pending reports are closed", null);
      }
      if (rows >= maxRows) {
        rows = count(); // other gateways sharing the file may have sent some (review: the count only grew)
      }
      if (rows >= maxRows) {
        throw new BurnStoreUnavailableException(maxRows + " reports already wait for the ledger", null);
      }
      // executeUpdate, not INSERT … RETURNING read through a result set: the driver resets that
      // statement after the row is read, and a commit failing then (SQLITE_FULL) was never reported,
      // so a report on a full disk got the id of a row that did not exist and was dropped in silence
      // (black-box run). The row is read back too: only a stored row is counted as one.
      try (PreparedStatement ps = conn.prepareStatement("INSERT INTO pending_reports (report, added_at) VALUES (?, ?)")) {
        ps.setString(1, report);
        ps.setString(2, clock.instant().toString());
        if (ps.executeUpdate() != 1) {
          throw new SQLException("the insert stored no row");
        }
      } catch (SQLException e) {
        throw new BurnStoreUnavailableException("cannot store a report for the ledger: " + e.getMessage(), e);
      }
      try (Statement st = conn.createStatement();
          ResultSet rs = st.executeQuery("SELECT id FROM pending_reports WHERE id = last_insert_rowid()")) {
        if (!rs.next()) {
          throw new SQLException("the stored report is not there");
        }
        id = rs.getLong(1);
        rows++;
      } catch (SQLException e) {
        throw new BurnStoreUnavailableException("cannot store a report for the ledger: " + e.getMessage(), e);
      }
    }
    try {
      wal.force(); // committed above; on disk from here
    } catch (java.io.IOException e) {
      throw new BurnStoreUnavailableException("cannot flush a stored report: " + e.getMessage(), e);
    }
    return id;
  }

  private int count() throws BurnStoreUnavailableException {
    try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM pending_reports")) {
      return rs.next() ? rs.getInt(1) : 0;
    } catch (SQLException e) {
      throw new BurnStoreUnavailableException("cannot count the pending reports: " + e.getMessage(), e);
    }
  }

  /** The report stored under {@code id}, if it is still there. */
  public synchronized java.util.Optional<String> get(long id) throws BurnStoreUnavailableException {
    try (PreparedStatement ps = conn.prepareStatement("SELECT report FROM pending_reports WHERE id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? java.util.Optional.of(rs.getString(1)) : java.util.Optional.empty();
      }
    } catch (SQLException e) {
      throw new BurnStoreUnavailableException("cannot read a pending report: " + e.getMessage(), e);
    }
  }

  /** The ids of every waiting report, oldest first (the reports themselves are read when sent). */
  public synchronized List<Long> ids() throws BurnStoreUnavailableException {
    List<Long> out = new ArrayList<>();
    try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT id FROM pending_reports ORDER BY id")) {
      while (rs.next()) {
        out.add(rs.getLong(1));
      }
      return out;
    } catch (SQLException e) {
      throw new BurnStoreUnavailableException("cannot read the pending reports: " + e.getMessage(), e);
    }
  }

  /** Forgets a report the ledger took (or refused for good). */
  public synchronized void remove(long id) throws BurnStoreUnavailableException {
    try (PreparedStatement ps = conn.prepareStatement("DELETE FROM pending_reports WHERE id = ?")) {
      ps.setLong(1, id);
      rows -= ps.executeUpdate();
    } catch (SQLException e) {
      throw new BurnStoreUnavailableException("cannot forget a delivered report: " + e.getMessage(), e);
    }
  }

  /** Every waiting report, oldest first. */
  public synchronized List<Stored> all() throws BurnStoreUnavailableException {
    List<Stored> out = new ArrayList<>();
    try (Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery("SELECT id, report FROM pending_reports ORDER BY id")) {
      while (rs.next()) {
        out.add(new Stored(rs.getLong(1), rs.getString(2)));
      }
      return out;
    } catch (SQLException e) {
      throw new BurnStoreUnavailableException("cannot read the pending reports: " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    close(conn);
    try {
      wal.close();
    } catch (java.io.IOException ignored) {
      // closing: nothing left to flush through it
    }
  }

  private static void close(Connection c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (SQLException ignored) {
      // closing: nothing left to do with it
    }
  }
}
