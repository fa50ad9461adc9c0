package dev.arbiter.core.authority;

import java.util.Optional;

/** Authority levels (DESIGN §3), ordered: a higher level may do what a lower one may. */
public enum AuthorityLevel {
  L1("Operator"),
  L2("Supervisor"),
  L3("Manager"),
  L4("Security/Compliance"),
  L5("Executive");

  private final String title;

  AuthorityLevel(String title) {
    this.title = title;
  }

  public String title() {
    return title;
  }

  public static Optional<AuthorityLevel> fromName(String name) {
    for (AuthorityLevel l : values()) {
      if (l.name().equals(name)) {
        return Optional.of(l);
      }
    }
    return Optional.empty();
  }
}
