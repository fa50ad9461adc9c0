package dev.arbiter.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.arbiter.ledger.event.EventDraft;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The start-up replay folds streams beyond its window on a one-byte summary: every event must be
 * accepted or refused on the summary exactly as on the full state, and leave the same summary.
 */
class StreamSummaryTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ID = "dec_01JDX0000000000000000000AB";
  private static final String POLICY = "sha256:" + "ab".repeat(32);

  private static EventDraft draft(String type, String payload) throws Exception {
    return DecisionTrail.engineEvent(ID, type, POLICY, JSON.readTree(payload));
  }

  private static List<EventDraft> trail(String outcome, String status, String expiresAt) throws Exception {
    return List.of(
        draft(DecisionProjection.CREATED, "{\"request\":{},\"proposer\":\"agent\",\"idempotency_key_hash\":\"sha256:01\","
            + "\"request_hash\":\"sha256:02\",\"policy_hash\":\"" + POLICY + "\"}"),
        draft(DecisionProjection.EVALUATED, "{\"outcome\":\"" + outcome + "\"}"),
        draft(DecisionProjection.RESULT, "{\"outcome\":\"" + outcome + "\",\"status\":\"" + status + "\",\"expires_at\":"
            + expiresAt + "}"));
  }

  /** Every event type that changes or checks a state, including ones that are illegal in most states. */
  private static List<EventDraft> probes() throws Exception {
    return List.of(
        draft(DecisionProjection.CREATED, "{\"request\":{},\"proposer\":null,\"idempotency_key_hash\":\"sha256:01\","
            + "\"request_hash\":\"sha256:02\",\"policy_hash\":\"" + POLICY + "\"}"),
        draft(DecisionProjection.RESULT, "{\"outcome\":\"allow\",\"status\":\"authorized\",\"expires_at\":null}"),
        draft(DecisionProjection.RESULT, "{\"outcome\":\"deny\",\"status\":\"denied\",\"expires_at\":null}"),
        draft(DecisionProjection.CANCELLED, "{\"idempotency_key_hash\":\"sha256:05\"}"),
        draft(DecisionProjection.EXPIRED, "{}"),
        draft(DecisionProjection.APPROVAL_ADDED, "{\"actor\":\"a\",\"key_id\":\"k\",\"nonce\":\"n\",\"signed_at\":\"2026-01-01T00:00:00Z\"}"),
        draft(DecisionProjection.REJECTION_ADDED, "{\"nonce\":\"n2\"}"),
        draft(DecisionProjection.GRANT_ISSUED, "{\"grant_id\":\"gnt_1\"}"),
        draft(DecisionProjection.EXECUTION_STARTED, "{\"execution_id\":\"exe_1\"}"),
        draft(DecisionProjection.EXECUTION_CONFIRMED, "{\"execution_id\":\"exe_1\"}"),
        draft(DecisionProjection.EXECUTION_FAILED, "{\"execution_id\":\"exe_1\"}"),
        draft(DecisionProjection.TRANSITION_REJECTED, "{\"reason\":\"not_proposer\"}"));
  }

  @Test
  void everyEvent_inEveryReachableState_foldsOnTheSummaryAsOnTheFullState() throws Exception {
    List<DecisionState> states = new ArrayList<>();
    for (List<EventDraft> t : List.of(trail("allow", "authorized", "null"), trail("deny", "denied", "null"),
        trail("pending_authority", "pending_authority", "\"2026-11-26T10:00:00Z\""))) {
      DecisionState s = null;
      for (EventDraft d : t) {
        s = DecisionProjection.apply(s, ID, d);
        states.add(s);
      }
    }
    // two more steps from each: executing, executed, failed, cancelled, expired, …
    for (int depth = 0; depth < 2; depth++) {
      for (DecisionState s : List.copyOf(states)) {
        for (EventDraft probe : probes()) {
          DecisionState next = foldOrNull(s, probe);
          if (next != null) {
            states.add(next);
          }
        }
      }
    }
    assertThat(states).hasSizeGreaterThan(100);

    int refused = 0;
    for (DecisionState full : states) {
      DecisionState lean = StreamSummary.expand(ID, StreamSummary.of(full));
      assertThat(StreamSummary.of(lean)).isEqualTo(StreamSummary.of(full));
      for (EventDraft probe : probes()) {
        DecisionState onFull = foldOrNull(full, probe);
        DecisionState onLean = foldOrNull(lean, probe);
        assertThat(onLean == null).as("%s on %s", probe.eventType(), full.status()).isEqualTo(onFull == null);
        if (onFull != null) {
          assertThat(StreamSummary.of(onLean)).as("%s on %s", probe.eventType(), full.status())
              .isEqualTo(StreamSummary.of(onFull));
        } else {
          refused++;
        }
      }
    }
    assertThat(refused).as("the probes include refused events").isGreaterThan(100);
  }

  private static DecisionState foldOrNull(DecisionState s, EventDraft d) {
    try {
      return DecisionProjection.apply(s, ID, d);
    } catch (dev.arbiter.core.decision.IllegalTransitionException | IllegalStateException e) {
      return null;
    }
  }
}
