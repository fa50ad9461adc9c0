package dev.arbiter.core.risk;

import dev.arbiter.core.decision.Environment;
import java.util.Map;

/** Band thresholds for the bundle, optionally overridden per environment. */
public record BandPolicy(BandThresholds defaults, Map<Environment, BandThresholds> perEnvironment) {
  public static final BandPolicy DEFAULT = new BandPolicy(BandThresholds.DEFAULT, Map.of());

  public BandPolicy {
    perEnvironment = Map.copyOf(perEnvironment);
  }

  public BandThresholds thresholds(Environment environment) {
    return perEnvironment.getOrDefault(environment, defaults);
  }
}
