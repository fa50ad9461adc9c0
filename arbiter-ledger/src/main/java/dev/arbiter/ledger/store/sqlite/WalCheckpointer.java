package dev.arbiter.ledger.store.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Copies a ledger's write-ahead log back into the database file on its own thread and connection,
 * so that commits rarely wait for it.
 *
 * <p>SQLite's automatic checkpoint runs inside the commit that takes the WAL past 1,000 pages: that
 * commit, and every append queued behind it, waits for the page writes into the database file and
 * for its fsync, which on a ledger of 5 million entries took ~1.2 s of every 10 s of the committer's
 * time (BENCHMARKS.md). This thread runs a {@code PASSIVE} checkpoint soon after each commit (at most
 * one every {@link #MIN_GAP_MS} ms): it never blocks the writer or the readers, so the copying and
 * the syncing happen beside the commits. The writer keeps SQLite's automatic checkpoint, which then
 * finds nearly everything copied and synced already; it is still needed, because only a checkpoint
 * that runs between two commits can let the writer start the WAL over (under a steady stream of
 * commits a concurrent checkpoint never catches up with the last frame).
 *
 * <p>Durability does not depend on it: a commit is durable once its WAL frames are synced. A
 * checkpoint that fails is logged and tried again after the next commit.
 */
final class WalCheckpointer implements AutoCloseable {
  static final long MIN_GAP_MS = 40;
  private static final System.Logger LOG = System.getLogger(WalCheckpointer.class.getName());

  private final Connection conn;
  private final Thread thread;
  private final AtomicBoolean committed = new AtomicBoolean();
  private volatile boolean running = true;
  private boolean failing;

  private WalCheckpointer(Connection conn) {
    this.conn = conn;
    this.thread = Thread.ofPlatform().name("ledger-wal").daemon(true).start(this::loop);
  }

  /** Opens its own connection to {@code file} (already a WAL database) and starts the thread. */
  static WalCheckpointer start(Path file) throws SQLException {
    Properties props = new Properties();
    props.setProperty("busy_timeout", "10000");
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + file, props);
    try (Statement st = c.createStatement()) {
      st.execute("PRAGMA synchronous=FULL"); // the database file is synced before the WAL is reused
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    return new WalCheckpointer(c);
  }

  /** Called after each commit: wakes the thread if it was idle. Never blocks. */
  void committed() {
    if (!committed.getAndSet(true)) {
      LockSupport.unpark(thread);
    }
  }

  private void loop() {
    while (running) {
      if (!committed.getAndSet(false)) {
        LockSupport.park(this);
        continue;
      }
      checkpoint();
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(MIN_GAP_MS));
    }
  }

  private void checkpoint() {
    try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
      rs.next();
      if (failing) {
        failing = false;
        LOG.log(System.Logger.Level.INFO, "ledger WAL checkpoints succeed again");
      }
    } catch (SQLException e) {
      if (!failing) {
        failing = true;
        LOG.log(System.Logger.Level.WARNING, "ledger WAL checkpoint failed (commits stay durable in the WAL;"
            + " tried again after the next commit): " + e.getMessage());
      }
    }
  }

  /** Stops the thread (after a checkpoint in progress) and closes its connection. */
  @Override
  public void close() {
    running = false;
    LockSupport.unpark(thread);
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      conn.close();
    } catch (SQLException ignored) {
      // Closing: nothing left to report to; the writer's own close checkpoints what is left.
    }
  }
}
