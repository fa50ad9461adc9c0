package dev.arbiter.core.decision;

/**
 * What the engine tells the caller. {@link #QUEUE} is never produced by policy evaluation: only the
 * engine returns it, when the ledger cannot confirm a write (governance degraded).
 */
public enum Outcome {
  ALLOW("allow"),
  DENY("deny"),
  PENDING_AUTHORITY("pending_authority"),
  QUEUE("queue");

  private final String wireName;

  Outcome(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static java.util.Optional<Outcome> fromWireName(String name) {
    for (Outcome o : values()) {
      if (o.wireName.equals(name)) {
        return java.util.Optional.of(o);
      }
    }
    return java.util.Optional.empty();
  }
}
