package dev.arbiter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InheritedSignalsTest {

  @Test
  void readsTheSigintBitOfTheIgnoredMask() {
    assertThat(InheritedSignals.sigintIgnored("Name:\tjava\nSigIgn:\t0000000000000002\nSigCgt:\t0\n")).isTrue();
    assertThat(InheritedSignals.sigintIgnored("SigIgn:\t0000000000000006\n")).isTrue();
    assertThat(InheritedSignals.sigintIgnored("SigIgn:\t0000000000001000\n")).isFalse();
    assertThat(InheritedSignals.sigintIgnored("SigIgn:\t0000000000000004\n")).as("SIGQUIT only").isFalse();
  }

  @Test
  void noMaskMeansNothingToSay() {
    assertThat(InheritedSignals.sigintIgnored("Name:\tjava\n")).isFalse();
  }
}
