package dev.arbiter.server.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.arbiter.core.decision.DecisionStatus;
import dev.arbiter.ledger.event.EnvelopeEncoder;
import dev.arbiter.ledger.event.EventDraft;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The live fold (of drafts, before they are appended) and the replay fold (of the payloads read back
 * from the ledger) must agree on every event, whichever payloads the live fold skips.
 */
class DecisionProjectionTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ID = "dec_01JDX0000000000000000000AB";
  private static final String POLICY = "sha256:" + "ab".repeat(32);

  private static EventDraft draft(String type, String payload) throws Exception {
    return DecisionTrail.engineEvent(ID, type, POLICY, JSON.readTree(payload));
  }

  /** A {@code decision.created} draft; {@code proposer} is JSON ({@code "\"agent\""} or {@code "null"}). */
  private static EventDraft created(String request, String proposer, String keyHash) throws Exception {
    return draft(DecisionProjection.CREATED, "{\"request\":" + request + ",\"proposer\":" + proposer
        + ",\"idempotency_key_hash\":\"" + keyHash + "\",\"request_hash\":\"sha256:02\",\"policy_hash\":\"" + POLICY + "\"}");
  }

  private static List<EventDraft> allowedThenExecuted() throws Exception {
    return List.of(
        created("{\"action\":{\"class\":\"read\"}}", "\"agent\"", "sha256:01"),
        draft(DecisionProjection.GATE, "{\"id\":\"g1\",\"status\":\"matched\",\"reason\":\"a gate's evidence\"}"),
        draft(DecisionProjection.RISK, "{\"score\":0.2,\"band\":\"low\",\"factors\":[{\"id\":\"f1\",\"weight\":0.2}]}"),
        draft(DecisionProjection.EVALUATED, "{\"outcome\":\"allow\",\"risk\":{\"band\":\"low\",\"score\":0.2},\"gates\":[]}"),
        draft(DecisionProjection.RESULT, "{\"outcome\":\"allow\",\"status\":\"authorized\",\"expires_at\":null}"),
        draft(DecisionProjection.GRANT_ISSUED, "{\"grant_id\":\"gnt_01\",\"tool\":\"grafana\"}"),
        draft(DecisionProjection.EXECUTION_STARTED, "{\"execution_id\":\"exe_01\"}"),
        draft(DecisionProjection.EXECUTION_CONFIRMED, "{\"execution_id\":\"exe_01\",\"status\":200}"));
  }

  private static List<EventDraft> pendingThenCancelled() throws Exception {
    return List.of(
        created("{}", "null", "sha256:03"),
        draft(DecisionProjection.AUTHORITY, "{\"requirement\":{\"level\":\"L3\"},\"expires_at\":\"2026-11-26T10:00:00Z\"}"),
        draft(DecisionProjection.EVALUATED, "{\"outcome\":\"pending_authority\"}"),
        draft(DecisionProjection.RESULT, "{\"outcome\":\"pending_authority\",\"status\":\"pending_authority\","
            + "\"expires_at\":\"2026-11-26T10:00:00Z\"}"),
        draft(DecisionProjection.REJECTION_ADDED, "{\"nonce\":\"n-1\"}"),
        draft(DecisionProjection.CANCELLED, "{\"idempotency_key_hash\":\"sha256:05\"}"));
  }

  @Test
  void foldingTheDrafts_givesTheStateThatReplayingTheirPayloadsGives() throws Exception {
    for (List<EventDraft> stream : List.of(allowedThenExecuted(), pendingThenCancelled())) {
      DecisionState live = null;
      DecisionState replayed = null;
      for (EventDraft d : stream) {
        live = DecisionProjection.apply(live, ID, d);
        JsonNode recorded = JSON.readTree(d.canonicalPayload());
        replayed = DecisionProjection.apply(replayed, ID, d.eventType(), recorded, -1);
        assertThat(live).as(d.eventType()).isEqualTo(replayed);
      }
    }
  }

  @Test
  void replayingTheStoredEnvelopes_givesTheLiveState_afterEveryEvent() throws Exception {
    for (List<EventDraft> stream : List.of(allowedThenExecuted(), pendingThenCancelled())) {
      DecisionState live = null;
      DecisionState replayed = null;
      long leaf = 41;
      for (EventDraft d : stream) {
        live = DecisionProjection.apply(live, ID, d);
        byte[] envelope = EnvelopeEncoder.encode(d, "evt_01JDX0000000000000000000" + leaf, leaf, leaf - 41,
            "2026-11-26T10:00:00.000Z");
        // -1 as in the test above: the live fold runs before the leaf is known (the engine sets it after)
        replayed = DecisionProjection.applyStored(replayed, ID, d.eventType(), envelope, -1);
        assertThat(replayed).as(d.eventType()).isEqualTo(live);
        leaf++;
      }
    }
  }

  @Test
  void thePayloadSlice_isTheCanonicalPayloadExactly_whateverSurroundsIt() throws Exception {
    String payload = "{\"gates\":[{\"id\":\"g}1\",\"payload\":{\"x\":\"\\\"}\"}}],\"note\":\"ünïcödé ✓ 𝄞\"}";
    String envelope = "{\"actor\":{\"id\":\"agënt ✓ 𝄞\",\"payload\":\"not this one\"},\"event_type\":\"decision.evaluated\","
        + "\"payload\":" + payload + ",\"stream_id\":\"" + ID + "\"}";
    byte[] bytes = envelope.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(new String(DecisionProjection.payloadBytes(bytes), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(payload);

    EventDraft evaluated = draft(DecisionProjection.EVALUATED, "{\"outcome\":\"allow\",\"why\":\"ẞ → ok\",\"gates\":[]}");
    byte[] real = EnvelopeEncoder.encode(evaluated, "evt_01JDX00000000000000000000A", 7, 0, "2026-11-26T10:00:00.000Z");
    assertThat(DecisionProjection.payloadBytes(real)).isEqualTo(evaluated.canonicalPayload());
  }

  @Test
  void anEnvelopeWithoutAPayloadObject_isRefused() {
    for (String bad : List.of("{\"event_type\":\"decision.evaluated\"}", "{\"payload\":[1]}", "[1]", "{\"payload\":")) {
      assertThatThrownBy(() -> DecisionProjection.payloadBytes(bad.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
          .as(bad).isInstanceOf(java.io.IOException.class);
    }
  }

  @Test
  void theFoldReadsWhatEachStateChangingEventCarries() throws Exception {
    DecisionState executed = null;
    for (EventDraft d : allowedThenExecuted()) {
      executed = DecisionProjection.apply(executed, ID, d);
    }
    assertThat(executed.status()).isEqualTo(DecisionStatus.EXECUTED);
    assertThat(executed.proposer()).contains("agent");
    assertThat(executed.approvals().grantIds()).containsExactly("gnt_01");
    assertThat(executed.approvals().executionId()).contains("exe_01");

    DecisionState cancelled = null;
    for (EventDraft d : pendingThenCancelled()) {
      cancelled = DecisionProjection.apply(cancelled, ID, d);
    }
    assertThat(cancelled.status()).isEqualTo(DecisionStatus.CANCELLED);
    assertThat(cancelled.approvals().usedNonces()).containsExactly("n-1");
    assertThat(cancelled.cancelKeyHash()).contains("sha256:05");
  }
}
