package dev.arbiter.core.approval;

import java.util.Objects;

/** An enrolment proof of possession was refused; {@link #reason()} is a stable code. */
public final class EnrolmentProofException extends Exception {
  /** Why, as the wire code docs/api-approvals-grants.md lists. */
  public enum Reason {
    /** No proof at all. */
    MISSING("proof_missing"),
    /** Not a {statement, signature} object, or a statement that does not parse. */
    MALFORMED("proof_malformed"),
    /** The statement names another key than the one being enrolled. */
    KEY_MISMATCH("key_mismatch"),
    /** The signature does not verify over the statement with the key being enrolled. */
    BAD_SIGNATURE("bad_signature"),
    /** The statement names another subject than the caller. */
    SUBJECT_MISMATCH("subject_mismatch"),
    /** {@code issued_at} is older than the window. */
    STALE("proof_stale"),
    /** {@code issued_at} is further ahead than the window. */
    FROM_FUTURE("proof_from_future");

    private final String wireName;

    Reason(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }
  }

  private final Reason reason;

  public EnrolmentProofException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public Reason reason() {
    return reason;
  }
}
