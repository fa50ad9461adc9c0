package dev.arbiter.core.decision;

import java.util.List;

/** A decision request is malformed (HTTP 400, CLI exit 2). Carries every field error found. */
public final class InvalidRequestException extends Exception {
  private final List<FieldError> errors;

  public InvalidRequestException(List<FieldError> errors) {
    this(FieldError.capped(errors, 20), true);
  }

  private InvalidRequestException(List<FieldError> capped, boolean unused) {
    super("invalid decision request: " + String.join("; ", capped.stream().map(FieldError::toString).toList()));
    this.errors = List.copyOf(capped);
  }

  public List<FieldError> errors() {
    return errors;
  }
}
