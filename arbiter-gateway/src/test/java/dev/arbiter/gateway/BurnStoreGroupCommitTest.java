package dev.arbiter.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.gateway.burn.BurnStore;
import dev.arbiter.gateway.burn.BurnStoreUnavailableException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit keeps every promise of a single burn: one winner per grant id (within a group, across
 * groups, across stores on one file, across restarts), and no caller is answered before the commit
 * that decides its answer is durable; a failed group answers none of its callers with success.
 */
class BurnStoreGroupCommitTest {
  @TempDir Path dir;
  final Instant expires = Instant.now().plusSeconds(300);

  private static List<Thread> start(int n, CountDownLatch go, IntTask task) {
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int index = i;
      threads.add(Thread.ofVirtual().start(() -> {
        try {
          go.await();
          task.run(index);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    return threads;
  }

  interface IntTask {
    void run(int i) throws Exception;
  }

  @Test
  void burn_manyConcurrentCallersOnTwoStores_eachIdWinsOnce_andEveryWinIsCommittedBeforeItIsAnswered() throws Exception {
    Path f = dir.resolve("b.db");
    int ids = 300;
    Map<String, AtomicInteger> wins = new ConcurrentHashMap<>();
    AtomicInteger notVisibleAfterWin = new AtomicInteger();
    try (BurnStore a = BurnStore.open(f, Clock.systemUTC()); BurnStore b = BurnStore.open(f, Clock.systemUTC());
        BurnStore observer = BurnStore.open(f, Clock.systemUTC())) {
      CountDownLatch go = new CountDownLatch(1);
      // every id is burned three times, from both stores, all at once
      List<Thread> threads = start(3 * ids, go, i -> {
        String id = "gnt_" + (i % ids);
        if ((i % 2 == 0 ? a : b).burn(id, "dec_1", expires)) {
          wins.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
          // answered true: the row must already be committed, i.e. visible to another connection
          if (!observer.isBurned(id)) {
            notVisibleAfterWin.incrementAndGet();
          }
        }
      });
      go.countDown();
      for (Thread t : threads) {
        t.join();
      }
    }
    assertThat(wins).hasSize(ids);
    assertThat(wins.values()).allMatch(n -> n.get() == 1);
    assertThat(notVisibleAfterWin.get()).isZero();
    try (BurnStore reopened = BurnStore.open(f, Clock.systemUTC())) {
      for (int i = 0; i < ids; i++) {
        assertThat(reopened.burn("gnt_" + i, "dec_1", expires)).as("burned before the restart").isFalse();
      }
    }
  }

  @Test
  void burn_whenOneInsertOfAGroupFails_noCallerOfThatGroupIsAcknowledged() throws Exception {
    Path f = dir.resolve("b.db");
    try (BurnStore s = BurnStore.open(f, Clock.systemUTC())) {
      s.burn("gnt_init", "dec_1", expires);
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + f); Statement st = c.createStatement()) {
      st.execute("CREATE TRIGGER poison BEFORE INSERT ON burned_grants WHEN NEW.grant_id LIKE 'gnt_poison%'"
          + " BEGIN SELECT RAISE(ABORT, 'poisoned'); END");
    }
    Map<String, Boolean> answered = new ConcurrentHashMap<>();
    Map<String, Boolean> failed = new ConcurrentHashMap<>();
    try (BurnStore s = BurnStore.open(f, Clock.systemUTC())) {
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> threads = start(200, go, i -> {
        String id = (i % 10 == 0 ? "gnt_poison_" : "gnt_") + i;
        try {
          answered.put(id, s.burn(id, "dec_1", expires));
        } catch (BurnStoreUnavailableException e) {
          failed.put(id, true);
        }
      });
      go.countDown();
      for (Thread t : threads) {
        t.join();
      }
      assertThat(answered.keySet()).noneMatch(id -> id.startsWith("gnt_poison"));
      assertThat(failed.keySet()).filteredOn(id -> id.startsWith("gnt_poison")).hasSize(20);
      for (var e : answered.entrySet()) {
        assertThat(e.getValue()).as(e.getKey()).isTrue();
        assertThat(s.isBurned(e.getKey())).as("acknowledged %s is durable", e.getKey()).isTrue();
      }
      for (String id : failed.keySet()) {
        assertThat(s.isBurned(id)).as("failed %s was rolled back with its group", id).isFalse();
      }
      assertThat(answered.size() + failed.size()).isEqualTo(200);
      // the store still works after failed groups
      assertThat(s.burn("gnt_after", "dec_1", expires)).isTrue();
    }
  }
}
