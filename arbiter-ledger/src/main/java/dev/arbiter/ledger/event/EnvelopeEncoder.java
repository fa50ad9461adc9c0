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
    return encode(d, eventId, leafIndex, streamSeq, timestamp(at));
  }

  /**
   * The {@code at} value checked once, for encoding many envelopes with the same timestamp (the
   * sequencer stamps a whole batch with one time).
   */
  public static byte[] timestamp(String at) {
    checkPlainAscii(at, "at");
    return at.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * As {@link #encode(EventDraft, String, long, long, String)}, with {@code at} already checked by
   * {@link #timestamp}. Writes straight into the output array: no intermediate byte arrays.
   */
  public static byte[] encode(EventDraft d, String eventId, long leafIndex, long streamSeq, byte[] at) {
    checkPlainAscii(eventId, "event_id");
    int leafLen = digits(leafIndex);
    int seqLen = digits(streamSeq);
    int n = ACTOR.length + d.canonicalActor.length + AT.length + at.length + DECISION_ID.length
        + d.canonicalStreamId.length + EVENT_ID.length + eventId.length() + EVENT_TYPE.length + d.canonicalEventType.length
        + LEAF_INDEX.length + leafLen + PAYLOAD.length + d.canonicalPayload.length + POLICY_VERSION.length
        + d.canonicalPolicyVersion.length + SCHEMA_VERSION.length + seqLen + 1;
    byte[] out = new byte[n];
    int p = 0;
    p = put(out, p, ACTOR);
    p = put(out, p, d.canonicalActor);
    p = put(out, p, AT);
    p = put(out, p, at);
    p = put(out, p, DECISION_ID);
    p = put(out, p, d.canonicalStreamId);
    p = put(out, p, EVENT_ID);
    for (int i = 0; i < eventId.length(); i++) {
      out[p++] = (byte) eventId.charAt(i); // checked plain ASCII above
    }
    p = put(out, p, EVENT_TYPE);
    p = put(out, p, d.canonicalEventType);
    p = put(out, p, LEAF_INDEX);
    p = putDecimal(out, p, leafIndex, leafLen);
    p = put(out, p, PAYLOAD);
    p = put(out, p, d.canonicalPayload);
    p = put(out, p, POLICY_VERSION);
    p = put(out, p, d.canonicalPolicyVersion);
    p = put(out, p, SCHEMA_VERSION);
    p = putDecimal(out, p, streamSeq, seqLen);
    out[p++] = '}';
    if (p != n) {
      throw new IllegalStateException("envelope length mismatch");
    }
    return out;
  }

  /** Decimal digits of {@code v} (as {@link Long#toString}); leaf indices and sequences are never negative. */
  private static int digits(long v) {
    if (v < 0) {
      throw new IllegalArgumentException("leaf_index and stream_seq must be >= 0, got " + v);
    }
    int n = 1;
    while (v >= 10) {
      v /= 10;
      n++;
    }
    return n;
  }

  private static int putDecimal(byte[] out, int p, long v, int len) {
    for (int i = p + len - 1; i >= p; i--) {
      out[i] = (byte) ('0' + (v % 10));
      v /= 10;
    }
    return p + len;
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

  private static void checkPlainAscii(String s, String field) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        throw new IllegalArgumentException(field + " must be plain ASCII: `" + s + "`");
      }
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
