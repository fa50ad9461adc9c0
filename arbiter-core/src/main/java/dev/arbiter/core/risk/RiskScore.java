package dev.arbiter.core.risk;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The scoring rule: {@code score = 1 - ∏(1 - wᵢ)} over the matched factors' weights {@code wᵢ ∈
 * [0,1]}, folded in bundle order and rounded half-even to 4 decimal places; the band is computed on
 * the rounded score. The rule is monotone (a matching factor never lowers the score), stays in [0,1]
 * without clamping, and a weight of 1 forces the score to 1.
 */
public final class RiskScore {
  private RiskScore() {}

  /** Folds one more matched weight into a running (unrounded) score. */
  public static double combine(double running, double weight) {
    return 1 - (1 - running) * (1 - weight);
  }

  public static double round(double score) {
    return BigDecimal.valueOf(score).setScale(4, RoundingMode.HALF_EVEN).doubleValue();
  }
}
