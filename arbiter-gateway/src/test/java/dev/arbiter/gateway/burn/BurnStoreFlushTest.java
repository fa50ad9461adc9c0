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

      CompletableFuture<Void> durable = CompletableFuture.runAsync(() -> {
        try {
          claim.awaitDurable();
        } catch (BurnStoreUnavailableException e) {
          throw new IllegalStateException(e);
        }
      });
      assertThatThrownBy(() -> durable.get(300, TimeUnit.MILLISECONDS)).as("durable before the flush")
          .isInstanceOf(TimeoutException.class);
      CompletableFuture<Boolean> second = CompletableFuture.supplyAsync(() -> claim(s, "gnt_1").won());
      release.countDown();
      durable.get(10, TimeUnit.SECONDS);
      assertThat(second.get(10, TimeUnit.SECONDS)).as("a second use of the id").isFalse();
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

  private BurnStore.Claim claim(BurnStore s, String grantId) {
    try {
      return s.claim(grantId, "dec_1", expires);
    } catch (BurnStoreUnavailableException e) {
      throw new IllegalStateException(e);
    }
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
