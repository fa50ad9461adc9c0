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
    this(streamId, eventType, policyVersion, actor, payload, true);
  }

  /**
   * A draft that keeps {@code payload} itself instead of a defensive copy: for a caller that built
   * the tree for this draft alone and never touches it (or any node it shares) again. It saves the
   * copy of every payload on the engine's hot path (a decision's trail is ~10 KB of JSON).
   *
   * @see #EventDraft(String, String, String, Actor, JsonNode)
   */
  public static EventDraft owning(String streamId, String eventType, String policyVersion, Actor actor,
      JsonNode payload) {
    return new EventDraft(streamId, eventType, policyVersion, actor, payload, false);
  }

  private EventDraft(String streamId, String eventType, String policyVersion, Actor actor, JsonNode payload,
      boolean copy) {
    if (streamId == null || !isStreamId(streamId)) {
      throw new IllegalArgumentException("stream id must match " + STREAM_ID + ", got `" + streamId + "`");
    }
    if (eventType == null || !isEventType(eventType)) {
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
    this.payload = copy ? payload.deepCopy() : payload;
    this.canonicalPayload = CanonicalJson.encode(this.payload);
    this.canonicalActor = canonicalActor(actor);
    this.canonicalStreamId = canonicalString(streamId);
    this.canonicalEventType = canonicalString(eventType);
    this.canonicalPolicyVersion = policyVersion == null ? NULL : canonicalString(policyVersion);
  }

  private static final byte[] NULL = {'n', 'u', 'l', 'l'};

  /** {@code {"id":…,"role":…}}: the members are already in canonical order. */
  private static byte[] canonicalActor(Actor actor) {
    byte[] id = canonicalString(actor.id());
    byte[] role = canonicalString(actor.role());
    byte[] out = new byte[6 + id.length + 8 + role.length + 1];
    int p = put(out, 0, "{\"id\":");
    System.arraycopy(id, 0, out, p, id.length);
    p += id.length;
    p = put(out, p, ",\"role\":");
    System.arraycopy(role, 0, out, p, role.length);
    out[p + role.length] = '}';
    return out;
  }

  private static int put(byte[] out, int p, String ascii) {
    for (int i = 0; i < ascii.length(); i++) {
      out[p++] = (byte) ascii.charAt(i);
    }
    return p;
  }

  /** RFC 8785 string: printable ASCII without quote or backslash is written as is; anything else goes through CanonicalJson. */
  static byte[] canonicalString(String s) {
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        return CanonicalJson.encode(TextNode.valueOf(s));
      }
    }
    byte[] out = new byte[n + 2];
    out[0] = '"';
    for (int i = 0; i < n; i++) {
      out[i + 1] = (byte) s.charAt(i);
    }
    out[n + 1] = '"';
    return out;
  }

  /** {@link #STREAM_ID} without the regex engine (this runs for every append). */
  private static boolean isStreamId(String s) {
    int n = s.length();
    if (n < 1 || n > 128) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '.' || c == ':' || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** {@link #EVENT_TYPE} without the regex engine: dot-separated segments of {@code [a-z][a-z0-9_]*}, at least two. */
  private static boolean isEventType(String s) {
    int segments = 0;
    int len = 0;
    for (int i = 0; i <= s.length(); i++) {
      char c = i == s.length() ? '.' : s.charAt(i);
      if (c == '.') {
        if (len == 0) {
          return false;
        }
        segments++;
        len = 0;
      } else if (len == 0 ? (c >= 'a' && c <= 'z') : ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
        len++;
      } else {
        return false;
      }
    }
    return segments >= 2;
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

  /** The payload's RFC 8785 bytes, as the ledger will record them (a copy). */
  public byte[] canonicalPayload() {
    return canonicalPayload.clone();
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
