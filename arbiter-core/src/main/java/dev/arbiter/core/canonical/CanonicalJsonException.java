package dev.arbiter.core.canonical;

/**
 * A JSON value that has no RFC 8785 canonical form (a non-finite number, an integer that would lose
 * precision, a lone surrogate, a non-JSON node), or JSON text that is not strict JSON (see the
 * subclass {@link JsonInputException}).
 *
 * <p>The message names the JSON path of the offending value ({@code $.payload.items[3]}) and what
 * was wrong; {@link #path()} returns the path alone.
 */
public class CanonicalJsonException extends RuntimeException {
  private final String path;

  CanonicalJsonException(String path, String message) {
    super(message, null, false, false);
    this.path = path;
  }

  CanonicalJsonException(String path, String message, Throwable cause) {
    super(message, cause);
    this.path = path;
  }

  /** The JSON path of the offending value, {@code $} for the root; never null. */
  public String path() {
    return path;
  }
}
