package dev.arbiter.core.risk;

import java.util.List;

/**
 * A deterministic risk score in [0, 1], its band, and every factor's contribution (matched or not,
 * in bundle order).
 */
public record RiskAssessment(double score, RiskBand band, List<FactorContribution> factors) {
  public RiskAssessment {
    if (!(score >= 0 && score <= 1)) {
      throw new IllegalArgumentException("risk score outside [0,1]: " + score);
    }
    factors = List.copyOf(factors);
  }

  /** Ids of the factors that matched (or failed, which counts as matched). */
  public List<String> matchedFactorIds() {
    return factors.stream().filter(FactorContribution::matched).map(FactorContribution::id).toList();
  }

  /** Whether any factor's condition failed to evaluate. */
  public boolean anyFailed() {
    return factors.stream().anyMatch(f -> f.error().isPresent());
  }
}
