package dev.arbiter.core.decision;

/**
 * One structured problem with an input document: a stable {@code code}, the JSON {@code path} of the
 * field, what was found and what was wanted. Renders as {@code action.class: got number, want string}.
 */
public record FieldError(String code, String path, String got, String want) {
  @Override
  public String toString() {
    return path + ": got " + got + ", want " + want;
  }
}
