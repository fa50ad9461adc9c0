package dev.arbiter.core.risk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.Size;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RiskScoringTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "0.0, LOW", "0.2499, LOW", "0.25, MEDIUM", "0.5499, MEDIUM", "0.55, HIGH",
    "0.8499, HIGH", "0.85, CRITICAL", "1.0, CRITICAL"
  })
  void band_defaultThresholdsAreHalfOpen(double score, RiskBand band) {
    assertThat(BandThresholds.DEFAULT.band(score)).isEqualTo(band);
  }

  @Test
  void thresholds_whenNotIncreasing_areRejected() {
    assertThatThrownBy(() -> new BandThresholds(0.5, 0.4, 0.9)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new BandThresholds(0, 0.4, 0.9)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new BandThresholds(0.2, 0.4, 1.1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void combine_isOneMinusProductOfComplements() {
    double s = RiskScore.combine(RiskScore.combine(0, 0.2), 0.5);
    assertThat(RiskScore.round(s)).isEqualTo(0.6);
    assertThat(RiskScore.combine(0.3, 1.0)).isEqualTo(1.0);
    assertThat(RiskScore.round(0.123449)).isEqualTo(0.1234);
  }

  @Property
  void score_staysInUnitIntervalAndIsOrderIndependent(
      @ForAll @Size(max = 20) List<@DoubleRange(min = 0, max = 1) Double> weights) {
    double forward = 0;
    for (double w : weights) {
      forward = RiskScore.combine(forward, w);
    }
    double backward = 0;
    for (int i = weights.size() - 1; i >= 0; i--) {
      backward = RiskScore.combine(backward, weights.get(i));
    }
    assertThat(forward).isBetween(0.0, 1.0);
    assertThat(RiskScore.round(forward)).isCloseTo(RiskScore.round(backward), org.assertj.core.data.Offset.offset(0.00011));
  }

  @Property
  void combine_neverLowersTheScore(
      @ForAll @DoubleRange(min = 0, max = 1) double running, @ForAll @DoubleRange(min = 0, max = 1) double weight) {
    assertThat(RiskScore.combine(running, weight)).isGreaterThanOrEqualTo(running - 1e-12);
  }
}
