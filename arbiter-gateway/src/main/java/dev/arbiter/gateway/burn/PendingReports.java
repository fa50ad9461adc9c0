package dev.arbiter.gateway.burn;

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
 * returns (its own connection, {@code synchronous=FULL}: this is the rare path, one fsync per report).
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
  private final Clock clock;
  private final int maxRows;
  private int rows;

  private PendingReports(Connection conn, Clock clock, int maxRows, int rows) {
    this.conn = conn;
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
        st.execute("PRAGMA synchronous=FULL"); // each commit syncs the WAL: an added report survives a crash
        int n;
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pending_reports")) {
          n = rs.next() ? rs.getInt(1) : 0;
        }
        return new PendingReports(conn, clock, maxRows, n);
      }
    } catch (SQLException | RuntimeException e) {
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
  public synchronized long add(String report) throws BurnStoreUnavailableException {
    Objects.requireNonNull(report, "report");
    if (rows >= maxRows) {
      throw new BurnStoreUnavailableException(maxRows + " reports already wait for the ledger", null);
    }
    try (PreparedStatement ps = conn.prepareStatement(
        "INSERT INTO pending_reports (report, added_at) VALUES (?, ?) RETURNING id")) {
      ps.setString(1, report);
      ps.setString(2, clock.instant().toString());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("the insert returned no id");
        }
        rows++;
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new BurnStoreUnavailableException("cannot store a report for the ledger: " + e.getMessage(), e);
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
    close(conn);
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
