package dev.arbiter.core.policy;

import java.util.Optional;

/** What a matching gate does. Precedence when combining: deny, then require_approval, then allow. */
public enum GateEffect {
  DENY("deny"),
  REQUIRE_APPROVAL("require_approval"),
  ALLOW("allow");

  private final String wireName;

  GateEffect(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static Optional<GateEffect> fromWireName(String name) {
    for (GateEffect e : values()) {
      if (e.wireName.equals(name)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }
}
