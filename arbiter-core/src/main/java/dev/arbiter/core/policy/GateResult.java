package dev.arbiter.core.policy;

import java.util.Optional;

/**
 * What one gate did for one decision (the payload of a {@code policy.gate} ledger event).
 *
 * @param status {@code matched}, {@code not_matched} or {@code error}; an error counts as a deny
 * @param error the evaluation error when {@code status} is {@code error}
 */
public record GateResult(String id, GateEffect effect, Status status, String reason, Optional<String> error) {
  public enum Status {
    MATCHED("matched"),
    NOT_MATCHED("not_matched"),
    ERROR("error");

    private final String wireName;

    Status(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }
  }

  /** Whether this gate denies the decision: a matched deny gate, or any gate that failed. */
  public boolean denies() {
    return status == Status.ERROR || (status == Status.MATCHED && effect == GateEffect.DENY);
  }
}
