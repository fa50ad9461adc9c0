package dev.arbiter.core.approval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.crypto.DomainSeparation;
import dev.arbiter.core.crypto.KeyId;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * What the holder of an approver key signs to enrol it (proof of possession):
 *
 * <pre>
 *   signingInput = "arbiter-key-enrol-v1" ‖ 0x00 ‖ canonical JSON of {issued_at, key_id, subject}
 * </pre>
 *
 * through {@link DomainSeparation}, the encoding approvals use under their own context, so an
 * enrolment proof can never pass as an approval or the other way round. {@code subject} is the
 * access token's {@code sub} the key is enrolled for, {@code key_id} names the public key
 * ({@code sha256:} + hex SHA-256 of its SPKI DER), {@code issued_at} is an RFC 3339 UTC instant as
 * {@link Instant#toString()} writes it. The engine hands out a fresh statement ({@code POST
 * /v1/keys/challenge}) but does not remember it: it checks the statement itself (see {@link
 * EnrolmentProof#verify}).
 */
public record EnrolmentStatement(String subject, KeyId keyId, Instant issuedAt) {
  public static final String CONTEXT = "arbiter-key-enrol-v1";
  /** Longer subjects are not ones an IdP issues; the bound keeps what is echoed small. */
  static final int MAX_SUBJECT = 1024;

  private static final Set<String> FIELDS = Set.of("issued_at", "key_id", "subject");

  public EnrolmentStatement {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(issuedAt, "issuedAt");
    if (subject.isBlank() || subject.length() > MAX_SUBJECT) {
      throw new IllegalArgumentException("`statement.subject` must be 1 to " + MAX_SUBJECT + " characters");
    }
  }

  public ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("subject", subject);
    n.put("key_id", keyId.value());
    n.put("issued_at", issuedAt.toString());
    return n;
  }

  /** The exact bytes the key signs: domain-separated canonical JSON. */
  public byte[] signingInput() {
    return DomainSeparation.signingInput(CONTEXT, CanonicalJson.encode(toJson()));
  }

  /**
   * Reads a statement echoed by a client or recorded on the ledger: exactly the three fields, each a
   * string, {@code issued_at} exactly in the form {@link #toJson()} writes (so that re-encoding gives
   * back the bytes that were signed).
   *
   * @throws IllegalArgumentException naming the first problem
   */
  public static EnrolmentStatement fromJson(JsonNode json) {
    StrictFields.requireExactly(json, "statement", FIELDS, "the object the enrolment challenge returned");
    KeyId keyId;
    try {
      keyId = new KeyId(StrictFields.text(json, "statement", "key_id"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("`statement.key_id` must be `sha256:` + 64 lowercase hex digits");
    }
    return new EnrolmentStatement(StrictFields.text(json, "statement", "subject"), keyId,
        StrictFields.instant(json, "statement", "issued_at"));
  }

}
