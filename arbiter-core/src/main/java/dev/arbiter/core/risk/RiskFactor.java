package dev.arbiter.core.risk;

import dev.arbiter.core.policy.Condition;

/** A weighted risk factor: when {@code condition} holds, {@code weight ∈ [0,1]} feeds the score. */
public record RiskFactor(String id, Condition condition, double weight, String reason) {
  public RiskFactor {
    if (!(weight >= 0 && weight <= 1)) {
      throw new IllegalArgumentException("weight outside [0,1]: " + weight);
    }
  }
}
