package dev.arbiter.gateway.burn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The burn's two answers: who won, at the group's commit; durable, after the WAL flush that follows
 * it. The gateway records the execution's start between the two and forwards only after the second.
 */
class BurnStoreFlushTest {
  @TempDir Path dir;
  private final Instant expires = Instant.now().plus(Duration.ofMinutes(5));

  @Test
  void theWinnerIsDecidedAndVisibleBeforeTheFlush_andDurableOnlyAfterIt() throws Exception {
    Path file = dir.resolve("b.db");
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean hold = new AtomicBoolean();
    try (BurnStore s = BurnStore.open(file, Clock.systemUTC(), wal -> {
      if (hold.get()) {
        awaitQuietly(release);
      }
      wal.force();
    })) {
      hold.set(true);
      BurnStore.Claim claim = CompletableFuture.supplyAsync(() -> claim(s, "gnt_1")).get(10, TimeUnit.SECONDS);
      assertThat(claim.won()).isTrue();
      assertThat(committedRows(file)).as("the burn is committed while its flush is held").containsExactly("gnt_1");

      CompletableFuture<Void> durable = durableAsync(claim);
      assertThatThrownBy(() -> durable.get(300, TimeUnit.MILLISECONDS)).as("durable before the flush")
          .isInstanceOf(TimeoutException.class);
      CompletableFuture<Boolean> second = CompletableFuture.supplyAsync(() -> claim(s, "gnt_1").won());
      release.countDown();
      durable.get(10, TimeUnit.SECONDS);
      assertThat(second.get(10, TimeUnit.SECONDS)).as("a second use of the id").isFalse();
    }
  }

  @Test
  void aLoserInTheWinnersGroup_isDurableOnlyOnceTheWinnersRowIs() throws Exception {
    java.util.concurrent.Semaphore flushes = new java.util.concurrent.Semaphore(0);
    AtomicBoolean gated = new AtomicBoolean();
    try (BurnStore s = BurnStore.open(dir.resolve("b.db"), Clock.systemUTC(), wal -> {
      if (gated.get()) {
        flushes.acquireUninterruptibly();
      }
      wal.force();
    })) {
      gated.set(true);
      CompletableFuture<BurnStore.Claim> first = CompletableFuture.supplyAsync(() -> claim(s, "gnt_0"));
      BurnStore.Claim blocker = first.get(10, TimeUnit.SECONDS); // its group now waits in the flush
      CompletableFuture<BurnStore.Claim> a = CompletableFuture.supplyAsync(() -> claim(s, "gnt_1"));
      CompletableFuture<BurnStore.Claim> b = CompletableFuture.supplyAsync(() -> claim(s, "gnt_1"));
      Thread.sleep(200); // both queued behind the held flush: the next group holds both
      flushes.release(); // the first group's flush; the second group commits, then waits in its own
      BurnStore.Claim ca = a.get(10, TimeUnit.SECONDS);
      BurnStore.Claim cb = b.get(10, TimeUnit.SECONDS);
      BurnStore.Claim loser = ca.won() ? cb : ca;
      assertThat(ca.won() ^ cb.won()).as("exactly one winner").isTrue();
      blocker.awaitDurable();

      CompletableFuture<Void> loserDurable = durableAsync(loser);
      assertThatThrownBy(() -> loserDurable.get(300, TimeUnit.MILLISECONDS)).as("the loser before its group's flush")
          .isInstanceOf(TimeoutException.class);
      flushes.release();
      loserDurable.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aFailedFlush_neverMakesTheBurnDurable_andEveryLaterBurnIsRefused() throws Exception {
    AtomicBoolean failing = new AtomicBoolean();
    try (BurnStore s = BurnStore.open(dir.resolve("b.db"), Clock.systemUTC(), wal -> {
      if (failing.get()) {
        throw new IOException("EIO (test)");
      }
      wal.force();
    })) {
      assertThat(s.burn("gnt_before", "dec_1", expires)).isTrue();
      failing.set(true);

      BurnStore.Claim claim = s.claim("gnt_1", "dec_1", expires);
      assertThat(claim.won()).isTrue();
      assertThatThrownBy(claim::awaitDurable).isInstanceOf(BurnStoreUnavailableException.class)
          .hasMessageContaining("cannot flush").hasMessageContaining("EIO (test)");

      failing.set(false); // a flush that works again does not make the store trustworthy again
      assertThatThrownBy(() -> s.claim("gnt_2", "dec_1", expires)).isInstanceOf(BurnStoreUnavailableException.class);
      assertThatThrownBy(() -> s.burn("gnt_3", "dec_1", expires)).isInstanceOf(BurnStoreUnavailableException.class);
    }
  }

  @Test
  void reopeningAfterAFailedFlush_flushesWhatIsThere_andBurnsAgain() throws Exception {
    Path file = dir.resolve("b.db");
    AtomicBoolean failing = new AtomicBoolean();
    try (BurnStore s = BurnStore.open(file, Clock.systemUTC(), wal -> {
      if (failing.get()) {
        throw new IOException("EIO (test)");
      }
      wal.force();
    })) {
      failing.set(true);
      BurnStore.Claim claim = s.claim("gnt_1", "dec_1", expires);
      assertThatThrownBy(claim::awaitDurable).isInstanceOf(BurnStoreUnavailableException.class);
    }
    try (BurnStore s = BurnStore.open(file, Clock.systemUTC())) {
      // The row was committed (the page cache still holds it here); the reopened store keeps it.
      assertThat(s.burn("gnt_1", "dec_1", expires)).isFalse();
      assertThat(s.burn("gnt_2", "dec_1", expires)).isTrue();
    }
  }

  @Test
  void opening_writesWhatAnEarlierRunCommittedButDidNotFlush_intoTheSyncedDatabaseFile() throws Exception {
    Path file = dir.resolve("crashed.db");
    // An earlier run that committed a burn and died before its flush (never closed: no checkpoint at close).
    BurnStore crashed = BurnStore.open(file, Clock.systemUTC(), wal -> { });
    assertThat(crashed.claim("gnt_1", "dec_1", expires).won()).isTrue();
    assertThat(java.nio.file.Files.size(Path.of(file + "-wal"))).isPositive();
    try (BurnStore reopened = BurnStore.open(file, Clock.systemUTC())) {
      // The database file alone (copied without its WAL) holds the row: the checkpoint at open copied
      // it there (and SQLite syncs the database file after a checkpoint at synchronous=FULL).
      Path alone = dir.resolve("alone.db");
      java.nio.file.Files.copy(file, alone);
      assertThat(committedRows(alone)).containsExactly("gnt_1");
      assertThat(reopened.burn("gnt_1", "dec_1", expires)).isFalse();
    } finally {
      crashed.close();
    }
  }

  @Test
  void closingWhileAGroupIsFlushed_answersThatGroup() throws Exception {
    CountDownLatch inFlush = new CountDownLatch(1);
    AtomicBoolean slow = new AtomicBoolean();
    BurnStore s = BurnStore.open(dir.resolve("b.db"), Clock.systemUTC(), wal -> {
      if (slow.get()) {
        inFlush.countDown();
        try {
          Thread.sleep(300);
        } catch (InterruptedException e) {
          throw new IllegalStateException("the committer was interrupted", e);
        }
      }
      wal.force();
    });
    slow.set(true);
    CompletableFuture<Boolean> burned = CompletableFuture.supplyAsync(() -> burnOrThrow(s, "gnt_1"));
    assertThat(inFlush.await(10, TimeUnit.SECONDS)).isTrue();
    Thread.currentThread().interrupt(); // a close from an interrupted thread still waits for the flush
    try {
      s.close();
      assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(burned.get(10, TimeUnit.SECONDS)).as("the group being flushed at close is answered").isTrue();
    assertThatThrownBy(() -> s.claim("gnt_2", "dec_1", expires)).isInstanceOf(BurnStoreUnavailableException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void aSecondClose_returnsOnlyOnceTheFirstHasClosedTheFile() throws Exception {
    CountDownLatch inFlush = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean hold = new AtomicBoolean();
    BurnStore s = BurnStore.open(dir.resolve("b.db"), Clock.systemUTC(), wal -> {
      if (hold.get()) {
        inFlush.countDown();
        awaitQuietly(release);
      }
      wal.force();
    });
    hold.set(true);
    // Own threads: the common pool has one worker on two cores, and a blocked close would hold it.
    java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newCachedThreadPool();
    CompletableFuture<Boolean> burned = CompletableFuture.supplyAsync(() -> burnOrThrow(s, "gnt_1"), threads);
    try {
      assertThat(inFlush.await(10, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<Void> first = CompletableFuture.runAsync(s::close, threads);
      for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); !closedFlag(s) && System.nanoTime() < deadline; ) {
        Thread.sleep(5);
      }
      assertThat(closedFlag(s)).as("the first close has begun").isTrue();
      CompletableFuture<Void> second = CompletableFuture.runAsync(s::close, threads);
      assertThatThrownBy(() -> second.get(300, TimeUnit.MILLISECONDS)).as("a second close while the first waits for the flush")
          .isInstanceOf(TimeoutException.class);
      release.countDown();
      first.get(10, TimeUnit.SECONDS);
      second.get(10, TimeUnit.SECONDS);
      assertThat(burned.get(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      release.countDown(); // a failed assertion must not leave the committer held
      threads.shutdown();
    }
  }

  @Test
  void closeFromTheCommitterItself_isRefused_notADeadlock() throws Exception {
    java.util.concurrent.atomic.AtomicReference<BurnStore> self = new java.util.concurrent.atomic.AtomicReference<>();
    AtomicBoolean closeInFlush = new AtomicBoolean();
    BurnStore s = BurnStore.open(dir.resolve("b.db"), Clock.systemUTC(), wal -> {
      if (closeInFlush.get()) {
        self.get().close(); // a hook that closes the store from the committer's flush
      }
      wal.force();
    });
    self.set(s);
    closeInFlush.set(true);
    CompletableFuture<Boolean> burned = CompletableFuture.supplyAsync(() -> burnOrThrow(s, "gnt_1"));
    assertThatThrownBy(() -> burned.get(10, TimeUnit.SECONDS)).hasRootCauseInstanceOf(IllegalStateException.class)
        .hasStackTraceContaining("would wait for itself");
    s.close();
  }

  /** Whether close() has started (the store refuses even reads from then on; a read never waits for a flush). */
  private static boolean closedFlag(BurnStore s) {
    try {
      s.isBurned("gnt_probe");
      return false;
    } catch (BurnStoreUnavailableException e) {
      return e.getMessage().contains("closed");
    }
  }

  @Test
  void eachGroupIsFlushedToTheWalFile() throws Exception {
    Path file = dir.resolve("force.db");
    try (BurnStore s = BurnStore.open(file, Clock.systemUTC()); Recording recording = new Recording()) {
      recording.enable("jdk.FileForce").withThreshold(Duration.ZERO);
      recording.start();
      s.burn("gnt_1", "dec_1", expires);
      s.burn("gnt_2", "dec_1", expires);
      recording.stop();
      Path jfr = dir.resolve("force.jfr");
      recording.dump(jfr);

      List<String> forced = RecordingFile.readAllEvents(jfr).stream()
          .filter(e -> e.getEventType().getName().equals("jdk.FileForce"))
          .map(e -> e.getString("path")).toList();
      assertThat(forced).filteredOn(p -> p.equals(file + "-wal")).hasSizeGreaterThanOrEqualTo(2);
    }
  }

  /** {@link BurnStore#burn} for a lambda: a refusal becomes an unchecked exception (its cause kept). */
  private boolean burnOrThrow(BurnStore s, String grantId) {
    try {
      return s.burn(grantId, "dec_1", expires);
    } catch (BurnStoreUnavailableException e) {
      throw new IllegalStateException(e);
    }
  }

  private BurnStore.Claim claim(BurnStore s, String grantId) {
    try {
      return s.claim(grantId, "dec_1", expires);
    } catch (BurnStoreUnavailableException e) {
      throw new IllegalStateException(e);
    }
  }

  private static CompletableFuture<Void> durableAsync(BurnStore.Claim claim) {
    return CompletableFuture.runAsync(() -> {
      try {
        claim.awaitDurable();
      } catch (BurnStoreUnavailableException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  /** The ids another connection sees committed. */
  private static List<String> committedRows(Path file) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        ResultSet rs = c.createStatement().executeQuery("SELECT grant_id FROM burned_grants ORDER BY grant_id")) {
      List<String> ids = new java.util.ArrayList<>();
      while (rs.next()) {
        ids.add(rs.getString(1));
      }
      return ids;
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
