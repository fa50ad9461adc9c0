package dev.arbiter.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.gateway.burn.BurnStore;
import dev.arbiter.gateway.burn.BurnStoreUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BurnStoreTest {
  @TempDir Path dir;
  final Instant expires = Instant.now().plusSeconds(300);

  @Test
  void burn_isTrueExactlyOnce() throws Exception {
    try (BurnStore s = BurnStore.open(dir.resolve("b.db"), Clock.systemUTC())) {
      assertThat(s.burn("gnt_1", "dec_1", expires)).isTrue();
      assertThat(s.burn("gnt_1", "dec_1", expires)).isFalse();
      assertThat(s.burn("gnt_1", "dec_other", expires)).isFalse();
      assertThat(s.burn("gnt_2", "dec_1", expires)).isTrue();
      assertThat(s.isBurned("gnt_1")).isTrue();
      assertThat(s.isBurned("gnt_3")).isFalse();
    }
  }

  @Test
  void burn_underConcurrency_isTrueOnceAcrossTwoStoresOnOneFile() throws Exception {
    Path f = dir.resolve("b.db");
    try (BurnStore a = BurnStore.open(f, Clock.systemUTC()); BurnStore b = BurnStore.open(f, Clock.systemUTC());
        ExecutorService pool = Executors.newFixedThreadPool(32)) {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        BurnStore s = i % 2 == 0 ? a : b;
        Callable<Boolean> c = () -> {
          go.await();
          return s.burn("gnt_race", "dec_1", expires);
        };
        results.add(pool.submit(c));
      }
      go.countDown();
      int wins = 0;
      for (Future<Boolean> r : results) {
        wins += r.get() ? 1 : 0;
      }
      assertThat(wins).isEqualTo(1);
    }
  }

  @Test
  void burn_survivesRestart() throws Exception {
    Path f = dir.resolve("b.db");
    try (BurnStore s = BurnStore.open(f, Clock.systemUTC())) {
      assertThat(s.burn("gnt_1", "dec_1", expires)).isTrue();
    }
    try (BurnStore s = BurnStore.open(f, Clock.systemUTC())) {
      assertThat(s.burn("gnt_1", "dec_1", expires)).isFalse();
    }
  }

  @Test
  void updateAndDelete_areRefusedByTheDatabase() throws Exception {
    Path f = dir.resolve("b.db");
    try (BurnStore s = BurnStore.open(f, Clock.systemUTC())) {
      s.burn("gnt_1", "dec_1", expires);
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + f); Statement st = c.createStatement()) {
      assertThatThrownBy(() -> st.executeUpdate("DELETE FROM burned_grants")).isInstanceOf(SQLException.class)
          .hasMessageContaining("DELETE refused");
      assertThatThrownBy(() -> st.executeUpdate("UPDATE burned_grants SET grant_id = 'gnt_2'")).isInstanceOf(SQLException.class)
          .hasMessageContaining("UPDATE refused");
      // REPLACE would delete without firing the DELETE trigger: it is ignored instead.
      st.executeUpdate("INSERT OR REPLACE INTO burned_grants VALUES ('gnt_1','dec_forged','t','e')");
      try (var rs = st.executeQuery("SELECT decision_id FROM burned_grants WHERE grant_id = 'gnt_1'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("dec_1");
      }
    }
    try (BurnStore s = BurnStore.open(f, Clock.systemUTC())) {
      assertThat(s.burn("gnt_1", "dec_1", expires)).isFalse();
    }
  }

  @Test
  void burn_whenClosed_throwsUnavailable() throws Exception {
    BurnStore s = BurnStore.open(dir.resolve("b.db"), Clock.systemUTC());
    s.close();
    assertThatThrownBy(() -> s.burn("gnt_1", "dec_1", expires)).isInstanceOf(BurnStoreUnavailableException.class);
  }

  @Test
  void open_whenFileIsAnotherDatabase_orADirectory_throwsUnavailable() throws Exception {
    Path other = dir.resolve("other.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + other); Statement st = c.createStatement()) {
      st.execute("CREATE TABLE t (x)");
    }
    assertThatThrownBy(() -> BurnStore.open(other, Clock.systemUTC())).isInstanceOf(BurnStoreUnavailableException.class)
        .hasMessageContaining("not an Arbiter burn store");
    Path d = Files.createDirectories(dir.resolve("adir"));
    assertThatThrownBy(() -> BurnStore.open(d, Clock.systemUTC())).isInstanceOf(BurnStoreUnavailableException.class);
  }
}
