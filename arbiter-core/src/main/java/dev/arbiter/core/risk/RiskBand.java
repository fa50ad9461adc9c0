package dev.arbiter.core.risk;

import java.util.Optional;

/** Risk bands, ordered from least to most risky. */
public enum RiskBand {
  LOW("low"),
  MEDIUM("medium"),
  HIGH("high"),
  CRITICAL("critical");

  private final String wireName;

  RiskBand(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static Optional<RiskBand> fromWireName(String name) {
    for (RiskBand b : values()) {
      if (b.wireName.equals(name)) {
        return Optional.of(b);
      }
    }
    return Optional.empty();
  }
}
