package dev.arbiter.ledger.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.arbiter.core.canonical.CanonicalJson;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a caller asks the ledger to append. The ledger assigns {@code event_id}, {@code stream_seq},
 * {@code at} and the global leaf index; nothing else about the event is decided by the ledger.
 *
 * <p>Immutable. The payload and the other caller-given fields are canonicalised here, on the
 * caller's thread, so the ledger's single writer only concatenates (see {@link EnvelopeEncoder}); a
 * payload that cannot be canonicalised is refused here, before it reaches the ledger.
 */
public final class EventDraft {
  public static final Pattern STREAM_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
  public static final Pattern EVENT_TYPE = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+");

  private final String streamId;
  private final String eventType;
  private final String policyVersion;
  private final Actor actor;
  private final JsonNode payload;
  final byte[] canonicalActor;
  final byte[] canonicalStreamId;
  final byte[] canonicalEventType;
  final byte[] canonicalPolicyVersion;
  final byte[] canonicalPayload;

  /**
   * @param streamId the stream (a decision id, or a system stream such as {@code sys:policy})
   * @param eventType e.g. {@code decision.created}; lowercase dotted
   * @param policyVersion the pinned policy bundle hash or version, or null when none applies
   * @param payload a JSON object (null means empty); must not contain secrets
   * @throws IllegalArgumentException for a malformed field, naming it
   * @throws dev.arbiter.core.canonical.CanonicalJsonException for a payload with no canonical form
   */
  public EventDraft(String streamId, String eventType, String policyVersion, Actor actor, JsonNode payload) {
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
    this.streamId = streamId;
    this.eventType = eventType;
    this.policyVersion = policyVersion;
    this.actor = actor;
    this.payload = payload.deepCopy();
    this.canonicalPayload = CanonicalJson.encode(this.payload);
    this.canonicalActor = CanonicalJson.encode(JsonNodeFactory.instance.objectNode()
        .put("id", actor.id()).put("role", actor.role()));
    this.canonicalStreamId = CanonicalJson.encode(TextNode.valueOf(streamId));
    this.canonicalEventType = CanonicalJson.encode(TextNode.valueOf(eventType));
    this.canonicalPolicyVersion = policyVersion == null
        ? new byte[] {'n', 'u', 'l', 'l'} : CanonicalJson.encode(TextNode.valueOf(policyVersion));
  }

  public String streamId() {
    return streamId;
  }

  public String eventType() {
    return eventType;
  }

  public String policyVersion() {
    return policyVersion;
  }

  public Actor actor() {
    return actor;
  }

  /** A copy of the payload. */
  public JsonNode payload() {
    return payload.deepCopy();
  }

  /** The payload without copying; callers in this module never mutate it. */
  JsonNode payloadUnsafe() {
    return payload;
  }

  /** Approximate encoded size, for batch sizing. */
  public int encodedSize() {
    return canonicalPayload.length + canonicalActor.length + canonicalStreamId.length + canonicalEventType.length
        + canonicalPolicyVersion.length + 200;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EventDraft d && streamId.equals(d.streamId) && eventType.equals(d.eventType)
        && Objects.equals(policyVersion, d.policyVersion) && actor.equals(d.actor) && payload.equals(d.payload);
  }

  @Override
  public int hashCode() {
    return Objects.hash(streamId, eventType, policyVersion, actor, payload);
  }

  @Override
  public String toString() {
    return "EventDraft[" + streamId + " " + eventType + " by " + actor.id() + "]";
  }
}
