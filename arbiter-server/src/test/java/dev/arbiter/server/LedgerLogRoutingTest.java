package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The ledger logs through {@link System.Logger} (it has no logging library of its own); in the
 * server those records must come out through SLF4J like everything else, in its format on its
 * stream, not as java.util.logging's two-line records.
 */
class LedgerLogRoutingTest {
  @Test
  void aLedgerWarning_comesOutThroughSlf4j_withItsArgumentsFormatted() {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      System.getLogger("dev.arbiter.ledger.internal.GroupCommitWriter").log(System.Logger.Level.WARNING,
          "slow ledger commit: {0} ms to write and sync {1} event(s); every append in it waited as long", "731", "12");
    } finally {
      System.setErr(err);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    assertThat(out).contains("WARN dev.arbiter.ledger.internal.GroupCommitWriter - slow ledger commit: 731 ms to write and sync 12 event(s)");
    assertThat(out.lines()).hasSize(1); // one line, not java.util.logging's date line plus message line
  }
}
