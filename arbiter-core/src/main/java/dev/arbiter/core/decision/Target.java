package dev.arbiter.core.decision;

import java.util.Objects;

/** What an action acts on, e.g. {@code {type: "service", id: "payments-api"}}. Empty strings when absent. */
public record Target(String type, String id) {
  public Target {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(id, "id");
  }
}
