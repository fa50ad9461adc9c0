package dev.arbiter.core.risk;

/**
 * Lower bounds of the medium, high and critical bands; bands are half-open: {@code low [0, medium)},
 * {@code medium [medium, high)}, {@code high [high, critical)}, {@code critical [critical, 1]}.
 * Defaults (DESIGN §3): 0.25, 0.55, 0.85. Validated on construction: {@code 0 < medium < high <
 * critical <= 1}.
 */
public record BandThresholds(double medium, double high, double critical) {
  public static final BandThresholds DEFAULT = new BandThresholds(0.25, 0.55, 0.85);

  public BandThresholds {
    if (!(0 < medium && medium < high && high < critical && critical <= 1)) {
      throw new IllegalArgumentException(
          "band thresholds must satisfy 0 < medium < high < critical <= 1, got medium="
              + medium
              + " high="
              + high
              + " critical="
              + critical);
    }
  }

  public RiskBand band(double score) {
    if (score >= critical) {
      return RiskBand.CRITICAL;
    }
    if (score >= high) {
      return RiskBand.HIGH;
    }
    if (score >= medium) {
      return RiskBand.MEDIUM;
    }
    return RiskBand.LOW;
  }
}
