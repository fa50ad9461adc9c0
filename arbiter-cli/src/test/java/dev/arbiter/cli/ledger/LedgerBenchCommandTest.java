package dev.arbiter.cli.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LedgerBenchCommandTest {

  @Test
  void streamIds_areTheRunAndTheZeroPaddedStreamNumber() {
    for (long n : new long[] {0, 7, 42, 999_999_999_999L, 1_000_000_000_000L, Long.MAX_VALUE}) {
      assertThat(LedgerBenchCommand.streamId("mf3k2a", n)).isEqualTo(String.format("dec_%s%012d", "mf3k2a", n));
    }
    // Monotonic in the stream number, as decision ids are in time (the ledger's index sees them in order).
    assertThat(LedgerBenchCommand.streamId("r", 9).compareTo(LedgerBenchCommand.streamId("r", 10))).isNegative();
  }
}
