package dev.arbiter.core.policy;

/**
 * A signed bundle was refused. The engine never falls back to another policy when this is thrown
 * (DESIGN §5). Carries a stable {@link Reason} and, where it applies, what was expected and what
 * was found.
 */
public final class BundleVerificationException extends Exception {
  /** Why a bundle was refused; stable codes for callers and problem+json types. */
  public enum Reason {
    /** Not a signed bundle document: bad JSON, duplicate keys, unknown or missing fields. */
    MALFORMED("malformed"),
    /** The document carries no signature. */
    UNSIGNED("unsigned"),
    /** The signature names an algorithm other than the pinned one (ed25519). */
    WRONG_ALGORITHM("wrong_algorithm"),
    /** The signing key id is not among the trusted policy keys. */
    UNKNOWN_KEY("unknown_key"),
    /** The claimed hash differs from the hash of the bundle's canonical form. */
    HASH_MISMATCH("hash_mismatch"),
    /** The signature does not verify under the trusted key it names. */
    BAD_SIGNATURE("bad_signature");

    private final String code;

    Reason(String code) {
      this.code = code;
    }

    public String code() {
      return code;
    }
  }

  private final Reason reason;
  private final String expected;
  private final String found;

  public BundleVerificationException(Reason reason, String message, String expected, String found) {
    super("policy bundle refused (" + reason.code() + "): " + message);
    this.reason = reason;
    this.expected = expected;
    this.found = found;
  }

  public BundleVerificationException(Reason reason, String message) {
    this(reason, message, "", "");
  }

  public Reason reason() {
    return reason;
  }

  /** What the verifier expected (empty when not applicable). */
  public String expected() {
    return expected;
  }

  /** What the verifier found (empty when not applicable). */
  public String found() {
    return found;
  }
}
