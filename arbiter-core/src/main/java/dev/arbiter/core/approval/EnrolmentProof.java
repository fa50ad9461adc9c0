package dev.arbiter.core.approval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.approval.EnrolmentProofException.Reason;
import dev.arbiter.core.crypto.SignatureVerificationException;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.crypto.VerifyingKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Proof that whoever enrols a public key holds its private key: an {@link EnrolmentStatement} and
 * the key's signature over {@link EnrolmentStatement#signingInput()} (Ed25519: 64 bytes; ECDSA
 * P-256: SHA256withECDSA, DER), as approvals are signed. Wire form, in the request and on the ledger:
 * {@code {"statement": {issued_at, key_id, subject}, "signature": "<base64>"}}.
 *
 * <p>Immutable. Parsing checks the form only; {@link #verify(VerifyingKey, String, Instant)} is what
 * makes a proof acceptable, and {@link #verifySignature(VerifyingKey)} is what an auditor re-checks
 * offline from a recorded {@code key.enrolled}.
 */
public final class EnrolmentProof {
  /**
   * How far {@code issued_at} may be from the engine's clock, either way: long enough for a human to
   * run {@code keys enrol} and for ordinary clock skew, short enough that a proof seen in transit or
   * in a log is of little use later (and only ever for the same subject and key).
   */
  public static final Duration WINDOW = Duration.ofMinutes(5);

  private static final Set<String> FIELDS = Set.of("signature", "statement");
  private static final int MAX_SIGNATURE_CHARS = 1024;

  private final EnrolmentStatement statement;
  private final byte[] signature;

  private EnrolmentProof(EnrolmentStatement statement, byte[] signature) {
    this.statement = Objects.requireNonNull(statement, "statement");
    this.signature = signature.clone();
  }

  /**
   * Signs {@code statement} with {@code key}, which must be the key the statement names.
   *
   * @throws IllegalArgumentException if the statement names another key
   */
  public static EnrolmentProof sign(EnrolmentStatement statement, SigningKey key) {
    Objects.requireNonNull(statement, "statement");
    Objects.requireNonNull(key, "key");
    if (!statement.keyId().equals(key.keyId())) {
      throw new IllegalArgumentException("the statement names key " + statement.keyId() + ", not " + key.keyId());
    }
    return new EnrolmentProof(statement, key.sign(statement.signingInput()));
  }

  /**
   * Reads {@code {statement, signature}} strictly: exactly these two members, the statement as
   * {@link EnrolmentStatement#fromJson}, the signature standard or URL-safe base64.
   *
   * @throws EnrolmentProofException {@link Reason#MISSING} for null, else {@link Reason#MALFORMED}
   */
  public static EnrolmentProof fromJson(JsonNode json) throws EnrolmentProofException {
    if (json == null || json.isNull() || json.isMissingNode()) {
      throw new EnrolmentProofException(Reason.MISSING, "an enrolment needs `proof`: {statement, signature} signed with"
          + " the private key (POST /v1/keys/challenge returns the statement)");
    }
    if (!json.isObject()) {
      throw malformed("`proof` must be an object {statement, signature}");
    }
    Set<String> names = new TreeSet<>();
    json.fieldNames().forEachRemaining(names::add);
    if (!names.equals(new TreeSet<>(FIELDS))) {
      throw malformed("`proof` must have exactly the fields " + new TreeSet<>(FIELDS) + ", got "
          + (names.size() > 10 ? names.size() + " fields" : names));
    }
    EnrolmentStatement statement;
    try {
      statement = EnrolmentStatement.fromJson(json.get("statement"));
    } catch (IllegalArgumentException e) {
      throw malformed(e.getMessage());
    }
    JsonNode sig = json.get("signature");
    if (!sig.isTextual() || sig.asText().isEmpty() || sig.asText().length() > MAX_SIGNATURE_CHARS) {
      throw malformed("`proof.signature` must be the base64 signature over the statement's signing input");
    }
    String s = sig.asText();
    try {
      return new EnrolmentProof(statement, SignatureText.decode(s));
    } catch (IllegalArgumentException e) {
      throw malformed("`proof.signature` is not standard or URL-safe base64");
    }
  }

  public EnrolmentStatement statement() {
    return statement;
  }

  /** A copy of the signature bytes. */
  public byte[] signature() {
    return signature.clone();
  }

  /** {@code {"statement": {...}, "signature": "<standard base64>"}}. */
  public ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.set("statement", statement.toJson());
    n.put("signature", Base64.getEncoder().encodeToString(signature));
    return n;
  }

  /**
   * What an auditor checks offline from a recorded {@code key.enrolled}: the statement names
   * {@code key} and {@code key} signed it. Says nothing about subject or time; see {@link #verify}.
   *
   * @throws EnrolmentProofException {@link Reason#KEY_MISMATCH} or {@link Reason#BAD_SIGNATURE}
   */
  public void verifySignature(VerifyingKey key) throws EnrolmentProofException {
    Objects.requireNonNull(key, "key");
    if (!statement.keyId().equals(key.keyId())) {
      throw new EnrolmentProofException(Reason.KEY_MISMATCH, "the proof's statement names key " + statement.keyId()
          + ", but the key being enrolled is " + key.keyId());
    }
    try {
      key.verify(statement.signingInput(), signature);
    } catch (SignatureVerificationException e) {
      throw new EnrolmentProofException(Reason.BAD_SIGNATURE, "the proof's signature does not verify over "
          + EnrolmentStatement.CONTEXT + " ‖ 0x00 ‖ canonical statement with key " + key.keyId());
    }
  }

  /**
   * What the engine checks before it enrols {@code key} for {@code subject}, in this order: the
   * statement names {@code key}; {@code key} signed it; it names {@code subject}; its {@code
   * issued_at} is within {@link #WINDOW} of {@code now}, either way (both ends inclusive).
   *
   * @param subject the authenticated caller's subject (never one taken from the request)
   * @param now the verifier's trusted clock
   * @throws EnrolmentProofException with the first failed check's reason, naming what was expected
   *     and found
   */
  public void verify(VerifyingKey key, String subject, Instant now) throws EnrolmentProofException {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(now, "now");
    verifySignature(key);
    if (!statement.subject().equals(subject)) {
      throw new EnrolmentProofException(Reason.SUBJECT_MISMATCH, "the proof names subject `"
          + clip(statement.subject()) + "`, but the caller is `" + clip(subject) + "`");
    }
    if (statement.issuedAt().isBefore(now.minus(WINDOW))) {
      throw new EnrolmentProofException(Reason.STALE, "the proof was issued at " + statement.issuedAt()
          + ", more than " + WINDOW.toMinutes() + " minutes before the engine's time " + now + "; sign a fresh statement");
    }
    if (statement.issuedAt().isAfter(now.plus(WINDOW))) {
      throw new EnrolmentProofException(Reason.FROM_FUTURE, "the proof was issued at " + statement.issuedAt()
          + ", more than " + WINDOW.toMinutes() + " minutes after the engine's time " + now + "; check the clock");
    }
  }

  private static String clip(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "…" : s;
  }

  private static EnrolmentProofException malformed(String why) {
    return new EnrolmentProofException(Reason.MALFORMED, why);
  }

  /** The key id and issue time only. */
  @Override
  public String toString() {
    return "EnrolmentProof[" + statement.keyId() + " issued " + statement.issuedAt() + "]";
  }
}
