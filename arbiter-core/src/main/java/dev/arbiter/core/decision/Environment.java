package dev.arbiter.core.decision;

import java.util.Optional;

/** Where a governed action would run. A request that names none is treated as {@link #PRODUCTION}. */
public enum Environment {
  DEV("dev"),
  STAGING("staging"),
  PRODUCTION("production");

  private final String wireName;

  Environment(String wireName) {
    this.wireName = wireName;
  }

  /** The lowercase name used in requests, bundles and JSON output. */
  public String wireName() {
    return wireName;
  }

  public static Optional<Environment> fromWireName(String name) {
    for (Environment e : values()) {
      if (e.wireName.equals(name)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }
}
