package dev.arbiter.ledger.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.regex.Pattern;

/**
 * What a caller asks the ledger to append. The ledger assigns {@code event_id}, {@code stream_seq},
 * {@code at} and the global leaf index; nothing else about the event is decided by the ledger.
 *
 * @param streamId the stream (a decision id, or a system stream such as {@code sys:policy})
 * @param eventType e.g. {@code decision.created}; lowercase dotted
 * @param policyVersion the pinned policy bundle hash or version, or null when none applies
 * @param payload a JSON object; must not contain secrets (the engine scans before appending)
 */
public record EventDraft(
    String streamId, String eventType, String policyVersion, Actor actor, JsonNode payload) {

  public static final Pattern STREAM_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
  public static final Pattern EVENT_TYPE = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+");

  public EventDraft {
    if (streamId == null || !STREAM_ID.matcher(streamId).matches()) {
      throw new IllegalArgumentException("stream id must match " + STREAM_ID + ", got `" + streamId + "`");
    }
    if (eventType == null || !EVENT_TYPE.matcher(eventType).matches()) {
      throw new IllegalArgumentException("event type must match " + EVENT_TYPE + ", got `" + eventType + "`");
    }
    if (actor == null) {
      throw new IllegalArgumentException("actor is required");
    }
    if (payload == null) {
      payload = JsonNodeFactory.instance.objectNode();
    }
    if (!payload.isObject()) {
      throw new IllegalArgumentException("payload must be a JSON object");
    }
    payload = payload.deepCopy();
  }
}
