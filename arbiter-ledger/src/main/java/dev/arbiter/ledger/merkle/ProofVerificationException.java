package dev.arbiter.ledger.merkle;

/**
 * A Merkle proof, or the arguments it was checked against, failed verification. The message says
 * what was expected and what was found; {@link #expected()} and {@link #found()} carry the same two
 * values for callers that report them in structured form.
 */
public final class ProofVerificationException extends Exception {

  private static final long serialVersionUID = 1L;

  private final String expected;
  private final String found;

  /**
   * @param problem what is wrong, in a few words (for example {@code "inclusion proof length"})
   * @param expected what a valid input would have had
   * @param found what the input actually had
   */
  public ProofVerificationException(String problem, String expected, String found) {
    super(problem + ": expected " + expected + ", found " + found);
    this.expected = expected;
    this.found = found;
  }

  /** What a valid input would have had. */
  public String expected() {
    return expected;
  }

  /** What the input actually had. */
  public String found() {
    return found;
  }
}
