package dev.arbiter.gateway.burn;

import dev.arbiter.ledger.store.sqlite.WalFile;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's durable record of used grants: one row per burned {@code grant_id} in its own SQLite
 * file (WAL). A burn is on disk before the call is forwarded.
 *
 * <p>Single use is the database's job, not this class's: {@code grant_id} is the table's primary key
 * and {@link #burn} is one {@code INSERT … ON CONFLICT (grant_id) DO NOTHING}; the row count says who
 * won. There is no check-then-insert to race, within this process, across processes sharing the file,
 * or across restarts. Rows are never changed or removed: triggers abort UPDATE and DELETE, so a burned
 * grant stays burned (expired rows are kept; they are small and say when a grant was used). A third
 * trigger turns an insert of an already burned id into a no-op, so {@code INSERT OR REPLACE} cannot
 * rewrite a row either.
 *
 * <p>Who won is known before the burn is durable: a group's transaction commits with {@code
 * synchronous=NORMAL}, which decides every burn in it (the row is visible to every connection from
 * then on), and the committer then flushes the WAL ({@link WalFile}, one fsync per group). {@link
 * #claim} answers after the commit and {@link Claim#awaitDurable} after the flush, so the gateway
 * records the execution's start on the ledger while the disk flushes the burn, and forwards only
 * once both are durable. A crash between the two can lose a burn, never an execution: nothing was
 * forwarded, and a retry of the grant then meets the engine's own record of the start.
 *
 * <p>Thread-safe: one connection, used under a lock (a {@link ReentrantLock}). Concurrent burns are
 * group-committed by one platform thread ({@code burn-commit}): one transaction and one fsync per
 * group, each caller answered only after its group's commit (see {@link #claim}). The SQLite calls
 * never run on a caller's virtual thread: a native call with an fsync inside holds the virtual
 * thread's carrier for its whole duration, and the gateway has only as many carriers as cores
 * (with the commits on the callers' threads, gateway throughput was 30–50% lower; BENCHMARKS.md).
 *
 * <p>Past 400 lines because claims, the committer and close share one protocol (the queue, the
 * {@code closed} and {@code broken} flags, the stop sentinel) that would be spread over files if split;
 * the file and its schema are {@link BurnFile}'s.
 */
public final class BurnStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BurnStore.class);
  /** Most burns committed in one transaction. */
  static final int MAX_GROUP = 512;
  /** Most burns waiting for the committer; beyond it a claim is refused at once (a stalled disk must not pile up calls). */
  static final int MAX_QUEUED = 16 * MAX_GROUP;
  /** How long a caller waits for an answer by default; after that the store counts as stalled. */
  public static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);


  private final Path file;
  private final Clock clock;
  private final Connection conn;
  /** Flushes the WAL after each group's commit: {@link WalFile#force}, or a test's stand-in. */
  private final Flush flush;
  private final WalFile wal;
  /** Set once a flush failed: what the disk holds is unknown, so every later burn is refused. */
  private volatile BurnStoreUnavailableException broken;
  /** Guards the connection. */
  private final ReentrantLock lock = new ReentrantLock();
  /** Guards {@link #closed} against {@link #queue} additions: no burn is queued after close() drained it. */
  private final ReentrantLock queueLock = new ReentrantLock();
  private final LinkedBlockingQueue<Burn> queue = new LinkedBlockingQueue<>();
  private volatile boolean closed;
  /** Counted down when the first {@link #close} has closed the file; later calls wait for it. */
  private final java.util.concurrent.CountDownLatch closeDone = new java.util.concurrent.CountDownLatch(1);
  private final Thread committer;
  private final Duration answerTimeout;
  /** The group the committer is working on and since when; null while it waits for burns. */
  private volatile Busy busy;

  /**
   * One group in the committer's hands, published as one value: the watchdog must never pair one
   * group's start time with the next group (it would fail a healthy group and let the stuck one pass).
   */
  private record Busy(long sinceNanos, List<Burn> group) {}
  /** Breaks the store when the committer has been on one group for longer than {@link #answerTimeout}. */
  private final Thread watchdog;

  /** What makes a committed group durable (tests put a slow or failing one in front of the real one). */
  @FunctionalInterface
  interface Flush {
    void force(WalFile wal) throws java.io.IOException;
  }

  private BurnStore(Path file, Clock clock, Connection conn, WalFile wal, Flush flush, Duration answerTimeout) {
    this.answerTimeout = answerTimeout;
    this.file = file;
    this.clock = clock;
    this.conn = conn;
    this.wal = wal;
    this.flush = flush;
    this.committer = Thread.ofPlatform().name("burn-commit").daemon(true).start(this::commitLoop);
    this.watchdog = Thread.ofPlatform().name("burn-watchdog").daemon(true).start(this::watch);
  }

  /**
   * A disk that does not answer within {@link #answerTimeout} (a stalled fsync) breaks the store:
   * the group in flight and every queued burn are failed, and every later burn is refused (and
   * {@code /health} says so) rather than each caller waiting in turn. One thread checks, four times
   * per timeout, so that callers can wait without a timer of their own: a timed wait per burn cost
   * ~10% of the gateway's throughput (BENCHMARKS.md, tenth session).
   */
  private void watch() {
    long period = Math.max(1, answerTimeout.toMillis() / 4);
    while (!closed || committer.isAlive()) {
      try {
        Thread.sleep(period);
      } catch (InterruptedException e) {
        return; // close() stops it
      }
      Busy b = busy;
      if (b != null && broken == null && System.nanoTime() - b.sinceNanos() > answerTimeout.toNanos()) {
        breakFor(b.group(), new BurnStoreUnavailableException("burn store " + file + " did not answer within "
            + answerTimeout.toSeconds() + " s (a stalled disk?); every burn is refused until the gateway is restarted", null));
        LOG.error("burn store {}: no answer from the disk within {} s; refusing every burn until a restart", file,
            answerTimeout.toSeconds());
      }
    }
  }

  /**
   * Opens (creating if missing) the burn store at {@code file}. A file that is some other SQLite
   * database is refused.
   *
   * @throws BurnStoreUnavailableException if the file cannot be opened or initialised
   */
  public static BurnStore open(Path file, Clock clock) throws BurnStoreUnavailableException {
    return open(file, clock, WalFile::force);
  }

  static BurnStore open(Path file, Clock clock, Flush flush) throws BurnStoreUnavailableException {
    return open(file, clock, flush, ANSWER_TIMEOUT);
  }

  static BurnStore open(Path file, Clock clock, Flush flush, Duration answerTimeout) throws BurnStoreUnavailableException {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(clock, "clock");
    Connection conn = null;
    try {
      conn = BurnFile.connect(file);
      WalFile wal = WalFile.open(file);
      try {
        flush.force(wal);
      } catch (java.io.IOException e) {
        wal.close();
        throw e;
      }
      return new BurnStore(file, clock, conn, wal, flush, answerTimeout);
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
   * {@link #claim} and {@link Claim#awaitDurable} in one call.
   *
   * @throws BurnStoreUnavailableException if the store cannot durably answer; the caller must refuse
   */
  public boolean burn(String grantId, String decisionId, Instant expiresAt) throws BurnStoreUnavailableException {
    Claim claim = claim(grantId, decisionId, expiresAt);
    claim.awaitDurable();
    return claim.won();
  }

  /**
   * Claims {@code grantId}: returns once the burn is committed, which decides whether this caller won
   * ({@link Claim#won}: true exactly once per grant id for the life of the file). The winner must
   * {@link Claim#awaitDurable} before it forwards anything.
   *
   * <p>Group commit: the caller queues its burn and parks. The committer thread takes every burn
   * queued so far (at most {@link #MAX_GROUP}), inserts them in arrival order in one transaction,
   * commits, hands each caller its row count, flushes the WAL and then tells each caller that its burn
   * is durable; burns arriving meanwhile form the next group. The primary key decides: within a group
   * the second insert of an id is a no-op like any other conflict. If the transaction fails, it is
   * rolled back and every caller in the group gets {@link BurnStoreUnavailableException} (none was
   * acknowledged). If the flush fails, no caller of the group is told its burn is durable, and the
   * store refuses every later burn: after a failed fsync the kernel may have dropped the pages it
   * could not write, so what the file holds is unknown until it is reopened.
   *
   * @throws BurnStoreUnavailableException if the store cannot decide; the caller must refuse
   */
  public Claim claim(String grantId, String decisionId, Instant expiresAt) throws BurnStoreUnavailableException {
    return claim(grantId, decisionId, expiresAt, null);
  }

  /**
   * As {@link #claim(String, String, Instant)}; a claim that wins also records {@code open} in the same
   * transaction (so it is on disk exactly when the burn is), until {@link #closeOpen} removes it.
   */
  public Claim claim(String grantId, String decisionId, Instant expiresAt, OpenExecution open)
      throws BurnStoreUnavailableException {
    Objects.requireNonNull(grantId, "grantId");
    Objects.requireNonNull(decisionId, "decisionId");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Burn mine = new Burn(grantId, decisionId, clock.instant().toString(), expiresAt.toString(), open);
    queueLock.lock();
    try {
      if (closed) {
        throw new BurnStoreUnavailableException("burn store " + file + " is closed", null);
      }
      if (broken != null) {
        throw broken;
      }
      if (queue.size() >= MAX_QUEUED) {
        throw new BurnStoreUnavailableException("burn store " + file + " has " + MAX_QUEUED
            + " burns waiting for the disk; refusing more until it catches up", null);
      }
      queue.add(mine);
    } finally {
      queueLock.unlock();
    }
    return new Claim(this, await(mine.won), mine);
  }

  /**
   * An execution this gateway process has under way: the call's attempt, its grant (already burned, so
   * it opens nothing; the engine needs it to hear the report) and the process that owns it ({@link
   * Owner}). Written with the burn, removed by {@link #closeOpen} once the call's outcome or give-up is
   * handed over; one left behind by a process that died is reported as interrupted by its successor.
   */
  public record OpenExecution(String grantId, String attempt, String grantCompact, String owner) {}

  /** Executions whose rows are to be removed, by grant id: done in the committer's next transaction. */
  private final java.util.concurrent.ConcurrentLinkedQueue<String> closing = new java.util.concurrent.ConcurrentLinkedQueue<>();

  /**
   * The call of {@code grantId} has handed its outcome or give-up over: its open row goes in the next
   * group's transaction (no flush of its own; a row a crash keeps is reported as interrupted, which the
   * engine answers with "nothing to record" for an execution that has its outcome).
   */
  public void closeOpen(String grantId) {
    closing.add(grantId);
  }

  /**
   * The processes that have executions open in this file (a short read under the lock the committer
   * needs; whether each is alive is judged by the caller, outside it).
   */
  public List<String> openOwners() throws BurnStoreUnavailableException {
    return readOpen("SELECT DISTINCT owner FROM open_executions", null, rs -> rs.getString(1));
  }

  /** The open executions of {@code owner}; the caller reports those of a gone process as interrupted. */
  public List<OpenExecution> openOf(String owner) throws BurnStoreUnavailableException {
    return readOpen("SELECT grant_id, attempt, grant, owner FROM open_executions WHERE owner = ?", owner,
        rs -> new OpenExecution(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
  }

  private interface Row<T> {
    T read(ResultSet rs) throws SQLException;
  }

  private <T> List<T> readOpen(String sql, String owner, Row<T> row) throws BurnStoreUnavailableException {
    lock.lock();
    try {
      List<T> found = new ArrayList<>();
      try (PreparedStatement ps = conn.prepareStatement(sql)) {
        if (owner != null) {
          ps.setString(1, owner);
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            found.add(row.read(rs));
          }
        }
      }
      return found;
    } catch (SQLException e) {
      throw new BurnStoreUnavailableException("burn store " + file + ": cannot read its open executions: " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /** True while the store answers: neither closed nor broken by a failed or stalled flush ({@code /health}). */
  public boolean usable() {
    return !closed && broken == null;
  }

  /** A committed burn: whether it won, and a way to wait until it is on disk. */
  public static final class Claim {
    private final boolean won;
    private final Burn burn;
    private final BurnStore store;

    private Claim(BurnStore store, boolean won, Burn burn) {
      this.store = store;
      this.won = won;
      this.burn = burn;
    }

    /** True for the one claim of a grant id that inserted its row. */
    public boolean won() {
      return won;
    }

    /**
     * Returns once this burn (and, for a claim that lost within its group, the row that beat it) is
     * durable.
     *
     * @throws BurnStoreUnavailableException if the flush failed: the caller must not forward
     */
    public void awaitDurable() throws BurnStoreUnavailableException {
      store.await(burn.durable);
    }
  }

  /**
   * Waits for the committer's answer; an interrupt does not lose it (it is kept for the caller). The
   * wait is bounded all the same: {@link #watch} fails every waiting burn once one group has been
   * with the disk for longer than {@link #answerTimeout}. (A burn queued behind several slow groups,
   * each just under that, waits for each of them: at most {@link #MAX_QUEUED} / {@link #MAX_GROUP}.)
   */
  private <T> T await(CompletableFuture<T> answer) throws BurnStoreUnavailableException {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return answer.get();
        } catch (InterruptedException e) {
          interrupted = true; // the answer is coming either way, and it must not be lost
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof BurnStoreUnavailableException b) {
            throw b;
          }
          throw new BurnStoreUnavailableException(cause.getMessage(), cause);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * The committer thread: one group per round, until {@link #close} queues {@link #STOP} or the store
   * breaks. Never interrupted: an interrupt during the flush would close the WAL's channel ({@link
   * java.nio.channels.ClosedByInterruptException}) and fail a group that already won its grants.
   */
  private void commitLoop() {
    List<Burn> group = new ArrayList<>(MAX_GROUP);
    while (true) {
      try {
        group.add(queue.take());
      } catch (InterruptedException e) {
        return; // nobody interrupts this thread; close() queues STOP
      }
      queue.drainTo(group, MAX_GROUP - 1);
      boolean last = group.remove(STOP); // close() queues nothing after it
      busy = new Busy(System.nanoTime(), List.copyOf(group));
      try {
        if (!group.isEmpty() && commitGroup(group)) {
          flushGroup(group);
        }
      } catch (RuntimeException e) {
        fail(group, new BurnStoreUnavailableException("burn store " + file + " failed: " + e, e));
      } catch (Error e) {
        // Fail closed for good: refuse every burn from now on rather than leave callers waiting.
        breakFor(group, new BurnStoreUnavailableException("burn store " + file + " failed: " + e, e));
        throw e;
      }
      busy = null;
      if (last || broken != null) {
        return;
      }
      group.clear();
    }
  }

  /**
   * Inserts the group in one transaction and tells every burn whether it won; true when it committed
   * (every burn then waits for the flush), false when the whole group failed.
   */
  private boolean commitGroup(List<Burn> group) {
    lock.lock();
    try {
      if (closed) {
        fail(group, new BurnStoreUnavailableException("burn store " + file + " is closed", null));
        return false;
      }
      boolean[] won = new boolean[group.size()];
      List<String> closed = new ArrayList<>();
      try {
        conn.setAutoCommit(false);
        removeClosed(closed);
        try (PreparedStatement ps = conn.prepareStatement(
            "INSERT INTO burned_grants (grant_id, decision_id, burned_at, expires_at) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (grant_id) DO NOTHING");
            PreparedStatement open = conn.prepareStatement(
                "INSERT OR REPLACE INTO open_executions (grant_id, attempt, grant, owner, opened_at) VALUES (?, ?, ?, ?, ?)")) {
          for (int i = 0; i < group.size(); i++) {
            Burn b = group.get(i);
            ps.setString(1, b.grantId);
            ps.setString(2, b.decisionId);
            ps.setString(3, b.burnedAt);
            ps.setString(4, b.expiresAt);
            won[i] = ps.executeUpdate() == 1;
            if (won[i] && b.open != null) {
              open.setString(1, b.grantId);
              open.setString(2, b.open.attempt());
              open.setString(3, b.open.grantCompact());
              open.setString(4, b.open.owner());
              open.setString(5, b.burnedAt);
              open.executeUpdate();
            }
          }
        }
        conn.commit();
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly();
        closing.addAll(closed); // their removal was rolled back with the group: tried again with the next
        fail(group, new BurnStoreUnavailableException("burn store " + file + " failed: " + e.getMessage(), e));
        return false;
      } catch (Error e) {
        rollbackQuietly(); // or setAutoCommit(true) below would commit the part of the group inserted so far
        throw e;
      } finally {
        try {
          conn.setAutoCommit(true);
        } catch (SQLException ignored) {
          // the next group's setAutoCommit(false) reports a broken connection
        }
      }
      for (int i = 0; i < group.size(); i++) {
        group.get(i).won.complete(won[i]);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Deletes the open rows handed over since the last group, in the group's transaction; {@code taken} lists them. */
  private void removeClosed(List<String> taken) throws SQLException {
    String id;
    while (taken.size() < 4 * MAX_GROUP && (id = closing.poll()) != null) {
      taken.add(id);
    }
    if (taken.isEmpty()) {
      return;
    }
    try (PreparedStatement del = conn.prepareStatement("DELETE FROM open_executions WHERE grant_id = ?")) {
      for (String g : taken) {
        del.setString(1, g);
        del.addBatch();
      }
      del.executeBatch();
    }
  }

  /** Removes the open rows handed over since the last group (at close, and for a successor's take-over). */
  public void removeClosedNow() throws BurnStoreUnavailableException {
    lock.lock();
    List<String> taken = new ArrayList<>();
    try {
      conn.setAutoCommit(false);
      while (true) {
        int before = taken.size();
        List<String> batch = new ArrayList<>();
        removeClosed(batch);
        taken.addAll(batch);
        if (taken.size() == before) {
          break;
        }
      }
      conn.commit();
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly(); // before the autocommit below, which would commit a part of it
      closing.addAll(taken);
      throw new BurnStoreUnavailableException("burn store " + file + ": cannot remove finished executions: " + e.getMessage(), e);
    } finally {
      try {
        conn.setAutoCommit(true);
      } catch (SQLException ignored) {
        // reported by the next use of the connection
      }
      lock.unlock();
    }
  }

  /** Flushes the WAL, which holds the group's commit, and tells each burn it is durable; a failure breaks the store. */
  private void flushGroup(List<Burn> group) {
    try {
      flush.force(wal);
    } catch (java.io.IOException | RuntimeException e) {
      breakFor(group, new BurnStoreUnavailableException("burn store " + file + ": cannot flush its write-ahead log ("
          + e.getMessage() + "); every burn is refused until the gateway is restarted", e));
      return;
    }
    for (Burn b : group) {
      b.durable.complete(null);
    }
  }

  /** Fails the group and everything queued behind it, and refuses every later burn. */
  private void breakFor(List<Burn> group, BurnStoreUnavailableException e) {
    queueLock.lock();
    try {
      broken = e;
    } finally {
      queueLock.unlock();
    }
    fail(group, e);
    List<Burn> left = new ArrayList<>();
    queue.drainTo(left);
    fail(left, e);
  }

  /** Fails whatever each burn still waits for (a burn told it won keeps that answer and is never made durable). */
  private static void fail(List<Burn> group, BurnStoreUnavailableException e) {
    for (Burn b : group) {
      b.won.completeExceptionally(e);
      b.durable.completeExceptionally(e);
    }
  }

  private void rollbackQuietly() {
    try {
      conn.rollback();
    } catch (SQLException ignored) {
      // the connection is unusable; the group fails either way
    }
  }

  /** Queued by {@link #close} after every burn: the committer stops when it takes it. */
  private static final Burn STOP = new Burn("", "", "", "", null);

  /** One queued burn and the two answers its caller waits for. */
  private static final class Burn {
    final String grantId;
    final String decisionId;
    final String burnedAt;
    final String expiresAt;
    final OpenExecution open;
    final CompletableFuture<Boolean> won = new CompletableFuture<>();
    final CompletableFuture<Void> durable = new CompletableFuture<>();

    Burn(String grantId, String decisionId, String burnedAt, String expiresAt, OpenExecution open) {
      this.grantId = grantId;
      this.decisionId = decisionId;
      this.burnedAt = burnedAt;
      this.expiresAt = expiresAt;
      this.open = open;
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

  /**
   * Stops the committer: the group it is committing is committed and flushed as usual (its callers
   * get their answers); burns queued behind it are refused; then the file is closed. A second call,
   * concurrent or later, returns once the first has finished: "closed" means the file is closed.
   */
  @Override
  public void close() {
    if (Thread.currentThread() == committer) {
      throw new IllegalStateException("BurnStore.close() from its own committer thread would wait for itself");
    }
    queueLock.lock();
    boolean first;
    try {
      first = !closed;
      if (first) {
        closed = true; // commitGroup refuses every group it has not started yet
        queue.add(STOP);
      }
    } finally {
      queueLock.unlock();
    }
    if (!first) {
      uninterruptibly(closeDone::await);
      return;
    }
    try {
      // Closing the WAL under its flush would fail a group that won; but a flush that never returns
      // (a stalled disk) must not hold a shutdown forever: then the file is left to the process's exit.
      Duration closeTimeout = answerTimeout.multipliedBy(3); // 30 s by default
      uninterruptibly(() -> committer.join(closeTimeout));
      watchdog.interrupt();
      List<Burn> left = new ArrayList<>();
      queue.drainTo(left);
      left.remove(STOP); // the committer had stopped already (a broken store)
      fail(left, new BurnStoreUnavailableException("burn store " + file + " is closed", null));
      if (committer.isAlive()) {
        LOG.error("burn store {}: the committer is still in its flush after {} s; closing without it", file,
            closeTimeout.toSeconds());
        return;
      }
      if (broken == null && !closing.isEmpty()) {
        try {
          removeClosedNow(); // a clean stop leaves only the executions really under way
        } catch (BurnStoreUnavailableException e) {
          LOG.warn("burn store {}: finished executions not removed at close ({}); a restart reports them as interrupted"
              + " and the engine answers that it has their outcome", file, e.getMessage());
        }
      }
      lock.lock();
      try {
        closeQuietly(conn);
        wal.close();
      } catch (java.io.IOException ignored) {
        // a read-only descriptor: nothing was buffered in it
      } finally {
        lock.unlock();
      }
    } finally {
      closeDone.countDown();
    }
  }

  /** A wait that an interrupt can cut short. */
  private interface Wait {
    void run() throws InterruptedException;
  }

  /** Runs {@code wait} to its end however often the thread is interrupted; the interrupt is kept for the caller. */
  private static void uninterruptibly(Wait wait) {
    boolean interrupted = false;
    while (true) {
      try {
        wait.run();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
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
