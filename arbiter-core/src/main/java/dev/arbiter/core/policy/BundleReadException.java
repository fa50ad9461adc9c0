package dev.arbiter.core.policy;

/**
 * A bundle could not be read at all: a missing or unreadable file, malformed YAML, a duplicate key
 * (CLI exit 2). Distinct from {@link PolicyCompilationException}, which is a readable bundle with
 * policy errors (exit 1).
 */
public final class BundleReadException extends Exception {
  public BundleReadException(String message) {
    super(message);
  }

  public BundleReadException(String message, Throwable cause) {
    super(message, cause);
  }
}
