package dev.arbiter.ledger.store.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Copies a ledger's write-ahead log back into the database file on its own thread and connection,
 * so that commits rarely wait for it.
 *
 * <p>SQLite's automatic checkpoint runs inside the commit that takes the WAL past its limit: that
 * commit, and every append queued behind it, waits for the page writes into the database file and
 * for its fsync, which on a ledger of 5 million entries took ~1.2 s of every 10 s of the committer's
 * time (BENCHMARKS.md). This thread runs a {@code PASSIVE} checkpoint (which never blocks the writer
 * or the readers) each time about {@link #EVERY_BYTES} were committed, as often as SQLite's own
 * checkpoint used to run; the writer's automatic checkpoint is raised to {@link #WRITER_PAGES} pages
 * and then finds nearly everything copied and synced. It is still needed: under a steady stream of
 * commits a concurrent checkpoint never reaches the last frame, so only one that runs between two
 * commits lets the writer start the WAL over. (Checkpointing after every commit instead, at most
 * every 40 ms, cost the gateway ~10% of its executions/s: its fsyncs queued with the commits'.)
 *
 * <p>Durability does not depend on it: a commit is durable once its WAL frames are synced. A
 * checkpoint that fails is logged and tried again after the next commits.
 */
final class WalCheckpointer implements AutoCloseable {
  /** Committed bytes between two checkpoints: ~4 MB of WAL with page overhead, SQLite's default 1,000 pages. */
  static final long EVERY_BYTES = 2L << 20;
  /** The writer's own automatic checkpoint ({@code wal_autocheckpoint}): the fallback, four times later. */
  static final int WRITER_PAGES = 4000;
  private static final System.Logger LOG = System.getLogger(WalCheckpointer.class.getName());

  private final Connection conn;
  private final Thread thread;
  private final AtomicLong pending = new AtomicLong();
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

  /** Called after each commit with about how many bytes it wrote; wakes the thread once enough piled up. */
  void committed(long bytes) {
    long before = pending.getAndAdd(bytes);
    if (before < EVERY_BYTES && before + bytes >= EVERY_BYTES) {
      LockSupport.unpark(thread);
    }
  }

  private void loop() {
    while (running) {
      long seen = pending.get();
      if (seen < EVERY_BYTES) {
        LockSupport.park(this);
        continue;
      }
      pending.addAndGet(-seen); // bytes committed meanwhile count towards the next checkpoint
      checkpoint();
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
            + " tried again after the next commits): " + e.getMessage());
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
