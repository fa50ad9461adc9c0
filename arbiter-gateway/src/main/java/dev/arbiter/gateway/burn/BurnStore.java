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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
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
 * <p>Thread-safe: one connection, used under a lock (a {@link ReentrantLock}). Concurrent burns are
 * group-committed by one platform thread ({@code burn-commit}): one transaction and one fsync per
 * group, each caller answered only after its group's commit (see {@link #burn}). The SQLite calls
 * never run on a caller's virtual thread: a native call with an fsync inside holds the virtual
 * thread's carrier for its whole duration, and the gateway has only as many carriers as cores
 * (with the commits on the callers' threads, gateway throughput was 30–50% lower; BENCHMARKS.md).
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
  /** Guards {@link #closed} against {@link #queue} additions: no burn is queued after close() drained it. */
  private final ReentrantLock queueLock = new ReentrantLock();
  private final LinkedBlockingQueue<Burn> queue = new LinkedBlockingQueue<>();
  private volatile boolean closed;
  private final Thread committer;

  private BurnStore(Path file, Clock clock, Connection conn) {
    this.file = file;
    this.clock = clock;
    this.conn = conn;
    this.committer = Thread.ofPlatform().name("burn-commit").daemon(true).start(this::commitLoop);
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
   * <p>Group commit: the caller queues its burn and parks. The committer thread takes every burn
   * queued so far (at most {@link #MAX_GROUP}), inserts them in arrival order in one transaction,
   * commits, and hands each caller its row count; burns arriving meanwhile form the next group. The
   * primary key still decides: within a group the second insert of an id is a no-op like any other
   * conflict. If the transaction fails, it is rolled back and every caller in the group gets {@link
   * BurnStoreUnavailableException} (none was acknowledged).
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
    } finally {
      queueLock.unlock();
    }
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return mine.outcome.get();
        } catch (InterruptedException e) {
          interrupted = true; // the answer is coming either way, and it must not be lost
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          throw new BurnStoreUnavailableException(cause.getMessage(), cause);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The committer thread: one group per round, until the store is closed. */
  private void commitLoop() {
    List<Burn> group = new ArrayList<>(MAX_GROUP);
    while (true) {
      try {
        group.add(queue.take());
      } catch (InterruptedException e) {
        return; // close(): whatever is still queued is failed there
      }
      queue.drainTo(group, MAX_GROUP - 1);
      try {
        commitGroup(group);
      } catch (RuntimeException e) {
        fail(group, new BurnStoreUnavailableException("burn store " + file + " failed: " + e, e));
      } catch (Error e) {
        // Fail closed for good: refuse every burn from now on rather than leave callers waiting.
        BurnStoreUnavailableException broken = new BurnStoreUnavailableException("burn store " + file + " failed: " + e, e);
        fail(group, broken);
        queueLock.lock();
        try {
          closed = true;
        } finally {
          queueLock.unlock();
        }
        List<Burn> left = new ArrayList<>();
        queue.drainTo(left);
        fail(left, broken);
        throw e;
      }
      group.clear();
    }
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
      for (int i = 0; i < group.size(); i++) {
        group.get(i).outcome.complete(won[i]);
      }
    } finally {
      lock.unlock();
    }
  }

  private static void fail(List<Burn> group, BurnStoreUnavailableException e) {
    for (Burn b : group) {
      b.outcome.completeExceptionally(e);
    }
  }

  private void rollbackQuietly() {
    try {
      conn.rollback();
    } catch (SQLException ignored) {
      // the connection is unusable; the group fails either way
    }
  }

  /** One queued burn and the answer its caller waits for. */
  private static final class Burn {
    final String grantId;
    final String decisionId;
    final String burnedAt;
    final String expiresAt;
    final CompletableFuture<Boolean> outcome = new CompletableFuture<>();

    Burn(String grantId, String decisionId, String burnedAt, String expiresAt) {
      this.grantId = grantId;
      this.decisionId = decisionId;
      this.burnedAt = burnedAt;
      this.expiresAt = expiresAt;
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

  /** Stops the committer (the group it is committing finishes), fails every burn still queued, closes the file. */
  @Override
  public void close() {
    queueLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
    } finally {
      queueLock.unlock();
    }
    committer.interrupt();
    try {
      committer.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<Burn> left = new ArrayList<>();
    queue.drainTo(left);
    fail(left, new BurnStoreUnavailableException("burn store " + file + " is closed", null));
    lock.lock();
    try {
      closeQuietly(conn);
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
