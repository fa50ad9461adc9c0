package dev.arbiter.ledger.event;

/** Who caused an event: an authenticated subject and the role it acted in. */
public record Actor(String id, String role) {
  public Actor {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("actor.id is required");
    }
    if (role == null || role.isBlank()) {
      throw new IllegalArgumentException("actor.role is required");
    }
  }

  /** The ledger itself (checkpoints, integrity events). */
  public static Actor system() {
    return new Actor("arbiter", "system");
  }
}
