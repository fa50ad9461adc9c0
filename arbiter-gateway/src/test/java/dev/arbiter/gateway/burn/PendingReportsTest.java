package dev.arbiter.gateway.burn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reports the ledger has not taken yet, kept in the burn store's file across restarts. */
class PendingReportsTest {
  @TempDir Path dir;

  @Test
  void reportsOutliveAReopen_oldestFirst_andAForgottenOneIsGone() throws Exception {
    Path file = dir.resolve("burned.db");
    long first;
    try (BurnStore burns = BurnStore.open(file, Clock.systemUTC());
        PendingReports reports = PendingReports.open(file, Clock.systemUTC())) {
      first = reports.add("{\"kind\":\"give_up\",\"n\":1}");
      reports.add("{\"kind\":\"outcome\",\"n\":2}");
      reports.add("{\"kind\":\"outcome\",\"n\":3}");
      reports.remove(first);
    }
    try (BurnStore burns = BurnStore.open(file, Clock.systemUTC());
        PendingReports reports = PendingReports.open(file, Clock.systemUTC())) {
      assertThat(reports.all()).extracting(PendingReports.Stored::report)
          .containsExactly("{\"kind\":\"outcome\",\"n\":2}", "{\"kind\":\"outcome\",\"n\":3}");
      assertThat(burns.burn("gnt_1", "dec_1", java.time.Instant.now().plusSeconds(60)))
          .as("the burns beside them work as before").isTrue();
    }
  }

  @Test
  void beyondTheMostThatMayWait_aReportIsRefused_untilOneIsForgotten() throws Exception {
    Path file = dir.resolve("burned.db");
    try (BurnStore burns = BurnStore.open(file, Clock.systemUTC())) {
      try (PendingReports reports = PendingReports.open(file, Clock.systemUTC(), 2)) {
        long a = reports.add("{\"n\":1}");
        reports.add("{\"n\":2}");
        assertThatThrownBy(() -> reports.add("{\"n\":3}")).isInstanceOf(BurnStoreUnavailableException.class)
            .hasMessageContaining("2 reports already wait");
        reports.remove(a);
        reports.add("{\"n\":3}");
      }
      try (PendingReports reopened = PendingReports.open(file, Clock.systemUTC(), 2)) {
        assertThatThrownBy(() -> reopened.add("{\"n\":4}")).as("the count survives a reopen")
            .isInstanceOf(BurnStoreUnavailableException.class);
      }
    }
  }

  @Test
  void aFileThatIsNotABurnStore_isRefused() throws Exception {
    Path file = dir.resolve("other.db");
    Files.writeString(file, "");
    assertThatThrownBy(() -> PendingReports.open(file, Clock.systemUTC()))
        .isInstanceOf(BurnStoreUnavailableException.class).hasMessageContaining("not an Arbiter burn store");
  }
}
