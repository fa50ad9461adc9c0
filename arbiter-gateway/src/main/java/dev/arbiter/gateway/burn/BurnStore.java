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
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.locks.Condition;
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
 * virtual threads). Concurrent burns are group-committed: one transaction and one fsync per group,
 * each caller answered only after its group's commit (see {@link #burn}).
 */
public final class BurnStore implements AutoCloseable {
  /** "ARBB" */
  static final int APPLICATION_ID = 0x41524242;
  /** Most burns committed in one transaction. */
  static final int MAX_GROUP = 512;

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
  /** Guards the connection. */
  private final ReentrantLock lock = new ReentrantLock();
  /** Guards {@link #queue}, {@link #committing}, {@link #closed} and every queued burn's outcome. */
  private final ReentrantLock queueLock = new ReentrantLock();
  private final Condition groupDone = queueLock.newCondition();
  private final List<Burn> queue = new ArrayList<>();
  private boolean committing;
  private volatile boolean closed;

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
   * burned before (by any thread, process or earlier run). Returns only once the answer is durable:
   * the row that made it true is committed ({@code synchronous=FULL}), or the row that makes it false
   * was.
   *
   * <p>Group commit: concurrent calls share one transaction and one fsync. The first caller to find
   * no commit in progress becomes the committer; it takes every burn queued so far (at most {@link
   * #MAX_GROUP}), inserts them in arrival order in one transaction, commits, and hands each caller its
   * row count. Callers arriving meanwhile queue for the next group. The primary key still decides:
   * within a group the second insert of an id is a no-op like any other conflict. If the transaction
   * fails, it is rolled back and every caller in the group gets {@link BurnStoreUnavailableException}
   * (none was acknowledged).
   *
   * @throws BurnStoreUnavailableException if the store cannot durably answer; the caller must refuse
   */
  public boolean burn(String grantId, String decisionId, Instant expiresAt) throws BurnStoreUnavailableException {
    Objects.requireNonNull(grantId, "grantId");
    Objects.requireNonNull(decisionId, "decisionId");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Burn mine = new Burn(grantId, decisionId, clock.instant().toString(), expiresAt.toString());
    queueLock.lock();
    try {
      if (closed) {
        throw new BurnStoreUnavailableException("burn store " + file + " is closed", null);
      }
      queue.add(mine);
      while (!mine.done && committing) {
        groupDone.awaitUninterruptibly();
      }
      if (mine.done) {
        return mine.result();
      }
      committing = true;
    } finally {
      queueLock.unlock();
    }
    // This caller commits groups (oldest burns first) until its own is done, then hands the role on.
    try {
      while (true) {
        List<Burn> group;
        queueLock.lock();
        try {
          if (mine.done) {
            break;
          }
          int n = Math.min(queue.size(), MAX_GROUP);
          if (n == 0) {
            // Our burn left the queue in a group that did not finish (an Error): fail closed.
            mine.failure = new BurnStoreUnavailableException("burn store " + file + ": the commit did not finish", null);
            mine.done = true;
            break;
          }
          group = new ArrayList<>(queue.subList(0, n));
          queue.subList(0, n).clear();
        } finally {
          queueLock.unlock();
        }
        try {
          commitGroup(group);
        } catch (Error e) {
          fail(group, new BurnStoreUnavailableException("burn store " + file + " failed: " + e, e));
          throw e;
        }
      }
    } finally {
      queueLock.lock();
      try {
        committing = false;
        groupDone.signalAll();
      } finally {
        queueLock.unlock();
      }
    }
    return mine.result();
  }

  /** Inserts the group in one transaction and marks every burn done (with a row count or a failure). */
  private void commitGroup(List<Burn> group) {
    lock.lock();
    try {
      if (closed) {
        fail(group, new BurnStoreUnavailableException("burn store " + file + " is closed", null));
        return;
      }
      boolean[] won = new boolean[group.size()];
      try {
        conn.setAutoCommit(false);
        try (PreparedStatement ps = conn.prepareStatement(
            "INSERT INTO burned_grants (grant_id, decision_id, burned_at, expires_at) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (grant_id) DO NOTHING")) {
          for (int i = 0; i < group.size(); i++) {
            Burn b = group.get(i);
            ps.setString(1, b.grantId);
            ps.setString(2, b.decisionId);
            ps.setString(3, b.burnedAt);
            ps.setString(4, b.expiresAt);
            won[i] = ps.executeUpdate() == 1;
          }
        }
        conn.commit();
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly();
        fail(group, new BurnStoreUnavailableException("burn store " + file + " failed: " + e.getMessage(), e));
        return;
      } finally {
        try {
          conn.setAutoCommit(true);
        } catch (SQLException ignored) {
          // the next group's setAutoCommit(false) reports a broken connection
        }
      }
      queueLock.lock();
      try {
        for (int i = 0; i < group.size(); i++) {
          group.get(i).won = won[i];
          group.get(i).done = true;
        }
        groupDone.signalAll();
      } finally {
        queueLock.unlock();
      }
    } finally {
      lock.unlock();
    }
  }

  private void fail(List<Burn> group, BurnStoreUnavailableException e) {
    queueLock.lock();
    try {
      for (Burn b : group) {
        b.failure = e;
        b.done = true;
      }
      groupDone.signalAll();
    } finally {
      queueLock.unlock();
    }
  }

  private void rollbackQuietly() {
    try {
      conn.rollback();
    } catch (SQLException ignored) {
      // the connection is unusable; the group fails either way
    }
  }

  /** One queued burn; its fields after {@code done} are written and read under {@code queueLock}. */
  private static final class Burn {
    final String grantId;
    final String decisionId;
    final String burnedAt;
    final String expiresAt;
    boolean done;
    boolean won;
    BurnStoreUnavailableException failure;

    Burn(String grantId, String decisionId, String burnedAt, String expiresAt) {
      this.grantId = grantId;
      this.decisionId = decisionId;
      this.burnedAt = burnedAt;
      this.expiresAt = expiresAt;
    }

    boolean result() throws BurnStoreUnavailableException {
      if (failure != null) {
        throw new BurnStoreUnavailableException(failure.getMessage(), failure);
      }
      return won;
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
