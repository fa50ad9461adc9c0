package dev.arbiter.ledger.event;

import java.nio.charset.StandardCharsets;

/**
 * Writes an envelope's RFC 8785 canonical bytes by concatenating the draft's pre-canonicalised
 * parts with the fields the ledger assigns. The member order below is the canonical (sorted) order;
 * a property test checks the output against {@link dev.arbiter.core.canonical.CanonicalJson} of
 * {@link EventEnvelope#toJson()}.
 *
 * <pre>{"actor":A,"at":"T","decision_id":S,"event_id":"E","event_type":Y,"leaf_index":N,
 *  "payload":P,"policy_version":V,"schema_version":1,"stream_seq":Q}</pre>
 *
 * The assigned strings ({@code at}, {@code event_id}) are ASCII without characters that need
 * escaping; that is checked.
 */
public final class EnvelopeEncoder {
  private static final byte[] ACTOR = ascii("{\"actor\":");
  private static final byte[] AT = ascii(",\"at\":\"");
  private static final byte[] DECISION_ID = ascii("\",\"decision_id\":");
  private static final byte[] EVENT_ID = ascii(",\"event_id\":\"");
  private static final byte[] EVENT_TYPE = ascii("\",\"event_type\":");
  private static final byte[] LEAF_INDEX = ascii(",\"leaf_index\":");
  private static final byte[] PAYLOAD = ascii(",\"payload\":");
  private static final byte[] POLICY_VERSION = ascii(",\"policy_version\":");
  private static final byte[] SCHEMA_VERSION = ascii(",\"schema_version\":" + EventEnvelope.SCHEMA_VERSION + ",\"stream_seq\":");

  private EnvelopeEncoder() {}

  public static byte[] encode(EventDraft d, String eventId, long leafIndex, long streamSeq, String at) {
    byte[] eid = plainAscii(eventId, "event_id");
    byte[] ts = plainAscii(at, "at");
    byte[] leaf = ascii(Long.toString(leafIndex));
    byte[] seq = ascii(Long.toString(streamSeq));
    int n = ACTOR.length + d.canonicalActor.length + AT.length + ts.length + DECISION_ID.length
        + d.canonicalStreamId.length + EVENT_ID.length + eid.length + EVENT_TYPE.length + d.canonicalEventType.length
        + LEAF_INDEX.length + leaf.length + PAYLOAD.length + d.canonicalPayload.length + POLICY_VERSION.length
        + d.canonicalPolicyVersion.length + SCHEMA_VERSION.length + seq.length + 1;
    byte[] out = new byte[n];
    int p = 0;
    p = put(out, p, ACTOR);
    p = put(out, p, d.canonicalActor);
    p = put(out, p, AT);
    p = put(out, p, ts);
    p = put(out, p, DECISION_ID);
    p = put(out, p, d.canonicalStreamId);
    p = put(out, p, EVENT_ID);
    p = put(out, p, eid);
    p = put(out, p, EVENT_TYPE);
    p = put(out, p, d.canonicalEventType);
    p = put(out, p, LEAF_INDEX);
    p = put(out, p, leaf);
    p = put(out, p, PAYLOAD);
    p = put(out, p, d.canonicalPayload);
    p = put(out, p, POLICY_VERSION);
    p = put(out, p, d.canonicalPolicyVersion);
    p = put(out, p, SCHEMA_VERSION);
    p = put(out, p, seq);
    out[p++] = '}';
    if (p != n) {
      throw new IllegalStateException("envelope length mismatch");
    }
    return out;
  }

  /** The envelope record for what {@link #encode} wrote. */
  public static EventEnvelope envelope(EventDraft d, String eventId, long leafIndex, long streamSeq, String at) {
    return new EventEnvelope(eventId, leafIndex, d.streamId(), streamSeq, d.eventType(), EventEnvelope.SCHEMA_VERSION,
        d.policyVersion(), d.actor(), d.payloadUnsafe(), at);
  }

  private static int put(byte[] out, int p, byte[] src) {
    System.arraycopy(src, 0, out, p, src.length);
    return p + src.length;
  }

  private static byte[] plainAscii(String s, String field) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        throw new IllegalArgumentException(field + " must be plain ASCII: `" + s + "`");
      }
    }
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
