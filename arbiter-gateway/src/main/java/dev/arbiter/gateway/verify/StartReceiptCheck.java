package dev.arbiter.gateway.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.core.grant.Grant;
import dev.arbiter.ledger.checkpoint.CheckpointVerifier;
import dev.arbiter.ledger.receipt.Receipt;
import dev.arbiter.ledger.receipt.ReceiptVerificationException;
import dev.arbiter.ledger.receipt.ReceiptVerifier;
import java.util.Objects;

/**
 * What the gateway requires of the engine's answer to a recorded start before it forwards anything:
 * the receipt verifies with the pinned ledger key (checkpoint signature, inclusion proof), in the
 * grant's own ledger, and is for exactly the event the engine returned beside it ({@link
 * ReceiptVerifier#verifyEvent}); that event is this call's start: {@code execution.started} on the
 * grant's decision stream, naming the grant, this call's attempt and the execution id the engine
 * gave. A 201 alone is a claim anything answering at the engine's URL can make (black-box run: a
 * stand-in engine unlocked executions with {@code {"execution_id": "exe_fake"}} and nothing on the
 * ledger).
 *
 * <p>Costs one Ed25519 verification per new checkpoint (remembered for the next starts under the same
 * one, {@link VerifiedCheckpoints}) and an inclusion proof. Thread-safe.
 */
public final class StartReceiptCheck {
  static final String EXECUTION_STARTED = "execution.started";

  private final ReceiptVerifier receipts;

  public StartReceiptCheck(VerifyingKey trustedLedgerKey) {
    this(new VerifiedCheckpoints(new CheckpointVerifier(Objects.requireNonNull(trustedLedgerKey, "trustedLedgerKey")),
        VerifiedCheckpoints.DEFAULT_MAX_ENTRIES));
  }

  /** Sharing the checkpoints the grants' receipts were checked under ({@link OfflineGrantCheck#startCheck}). */
  StartReceiptCheck(VerifiedCheckpoints checkpoints) {
    this.receipts = new ReceiptVerifier(checkpoints);
  }

  /** The engine's answer does not prove that this call's start is on the ledger. */
  public static final class NotProvenException extends Exception {
    NotProvenException(String message) {
      super(message);
    }
  }

  /**
   * @param grant the verified grant of this call (its receipt's checkpoint names the ledger)
   * @param attempt this call's name, sent with the start
   * @param executionId the execution id the engine answered
   * @param receiptJson the engine's {@code receipt}
   * @param eventJson the engine's {@code event}: the recorded envelope
   * @throws NotProvenException naming the first thing that does not hold
   */
  public void verify(Grant grant, String attempt, String executionId, JsonNode receiptJson, JsonNode eventJson)
      throws NotProvenException {
    if (eventJson == null || !eventJson.isObject()) {
      throw new NotProvenException("the engine's answer carries no recorded event to check its receipt against");
    }
    Receipt receipt;
    String ledgerId;
    try {
      receipt = Receipt.fromJson(receiptJson);
      ledgerId = Receipt.fromJson(grant.receipt()).checkpoint().ledgerId();
    } catch (RuntimeException e) {
      throw new NotProvenException("the start's receipt is malformed: " + e.getMessage());
    }
    byte[] envelope;
    try {
      envelope = CanonicalJson.encode(eventJson);
    } catch (RuntimeException e) {
      throw new NotProvenException("the recorded event has no canonical form: " + e.getMessage());
    }
    try {
      receipts.verifyEvent(receipt, envelope, ledgerId);
    } catch (ReceiptVerificationException e) {
      throw new NotProvenException("the start's receipt does not verify: " + e.getMessage());
    }
    // The receipt is for exactly this event, on the pinned ledger: now, is it this call's start?
    JsonNode p = eventJson.path("payload");
    require(EXECUTION_STARTED.equals(eventJson.path("event_type").asText()), "event_type",
        EXECUTION_STARTED, eventJson.path("event_type"));
    require(grant.decisionId().equals(eventJson.path("decision_id").asText()), "decision_id", grant.decisionId(),
        eventJson.path("decision_id"));
    require(grant.grantId().equals(p.path("grant_id").asText()), "payload.grant_id", grant.grantId(), p.path("grant_id"));
    require(attempt.equals(p.path("attempt").asText()), "payload.attempt", attempt, p.path("attempt"));
    require(executionId.equals(p.path("execution_id").asText()), "payload.execution_id", executionId,
        p.path("execution_id"));
  }

  private static void require(boolean holds, String field, String expected, JsonNode found) throws NotProvenException {
    if (!holds) {
      String shown = found.isMissingNode() ? "nothing" : found.toString();
      throw new NotProvenException("the recorded event is not this call's start: " + field + " is "
          + (shown.length() > 80 ? shown.substring(0, 80) + "…" : shown) + ", want " + expected);
    }
  }
}
