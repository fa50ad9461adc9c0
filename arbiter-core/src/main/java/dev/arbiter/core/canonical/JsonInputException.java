package dev.arbiter.core.canonical;

/**
 * JSON text rejected by {@link StrictJson#parse(byte[])}: malformed, a duplicate object key,
 * trailing tokens, comments, {@code NaN}, or invalid UTF-8. Carries where it went wrong: the
 * 1-based line and column and the JSON path of the value being read.
 */
public final class JsonInputException extends CanonicalJsonException {
  private final long line;
  private final long column;

  JsonInputException(String path, long line, long column, String problem, Throwable cause) {
    super(path, "invalid JSON at line " + line + ", column " + column + " (" + path + "): " + problem, cause);
    this.line = line;
    this.column = column;
  }

  /** 1-based line of the error, or -1 when unknown. */
  public long line() {
    return line;
  }

  /** 1-based column of the error, or -1 when unknown. */
  public long column() {
    return column;
  }
}
