package dev.arbiter.core.authority;

/**
 * At least {@code count} of the approvals must come from distinct actors at {@code level} or above.
 * Co-signatures count toward {@code min_signatures}; they raise the bar for some of them.
 */
public record CoSign(AuthorityLevel level, int count) {
  public CoSign {
    java.util.Objects.requireNonNull(level, "level");
    if (count < 1) {
      throw new IllegalArgumentException("co_sign count must be >= 1, got " + count);
    }
  }
}
