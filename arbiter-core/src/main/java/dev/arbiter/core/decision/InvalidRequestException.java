package dev.arbiter.core.decision;

import java.util.List;

/** A decision request is malformed (HTTP 400, CLI exit 2). Carries every field error found. */
public final class InvalidRequestException extends Exception {
  private final List<FieldError> errors;

  public InvalidRequestException(List<FieldError> errors) {
    super(
        "invalid decision request: "
            + String.join("; ", errors.stream().map(FieldError::toString).toList()));
    this.errors = List.copyOf(errors);
  }

  public List<FieldError> errors() {
    return errors;
  }
}
