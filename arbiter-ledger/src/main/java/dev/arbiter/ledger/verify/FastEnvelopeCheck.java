package dev.arbiter.ledger.verify;

import dev.arbiter.ledger.store.StoredEntry;
import java.nio.charset.StandardCharsets;

/**
 * The verifier's fast path: checks, without parsing JSON, that a canonical envelope carries exactly
 * the index columns stored beside it ({@code decision_id}, {@code event_type}, {@code leaf_index},
 * {@code stream_seq}).
 *
 * <p>It relies on the canonical layout (members sorted; {@code actor} and {@code at} are the only
 * members before {@code decision_id}; {@code stream_seq} is last) and on a property of canonical
 * JSON: a {@code "} inside a string is always escaped, so {@code ,"name":} can only occur as
 * structure, and its first occurrence after the previous member is that member. Bytes that are not
 * canonical simply fail the check, and the verifier then diagnoses the entry with a full parse. It
 * never accepts what the full parse would reject: the entry's hash is still recomputed and the
 * Merkle root still checked against the signed checkpoints.
 */
public final class FastEnvelopeCheck {
  private static final byte[] DECISION_ID = ascii(",\"decision_id\":\"");
  private static final byte[] EVENT_ID = ascii("\",\"event_id\":\"");
  private static final byte[] EVENT_TYPE = ascii("\",\"event_type\":\"");
  private static final byte[] LEAF_INDEX = ascii("\",\"leaf_index\":");
  private static final byte[] PAYLOAD = ascii(",\"payload\":");
  private static final byte[] STREAM_SEQ = ascii(",\"schema_version\":1,\"stream_seq\":");
  /** The header members all precede the payload; actor ids and stream ids are short. */
  private static final int HEAD = 1024;

  private FastEnvelopeCheck() {}

  /** True when the envelope's header members equal the entry's index columns and position {@code n}. */
  public static boolean matches(StoredEntry e, long n) {
    byte[] env = e.envelope();
    String stream = e.streamId();
    String type = e.eventType();
    if (env == null || stream == null || type == null || e.leafIndex() != n || env.length < 16 || env[0] != '{') {
      return false;
    }
    int head = Math.min(env.length, HEAD);
    int p = indexOf(env, DECISION_ID, 1, head);
    if (p < 0) {
      return false;
    }
    p += DECISION_ID.length;
    p = expectAscii(env, p, stream);
    if (p < 0 || !startsWith(env, p, EVENT_ID)) {
      return false;
    }
    int q = indexOf(env, EVENT_TYPE, p + EVENT_ID.length, head);
    if (q < 0) {
      return false;
    }
    q = expectAscii(env, q + EVENT_TYPE.length, type);
    if (q < 0 || !startsWith(env, q, LEAF_INDEX)) {
      return false;
    }
    q = expectNumber(env, q + LEAF_INDEX.length, n);
    if (q < 0 || !startsWith(env, q, PAYLOAD)) {
      return false;
    }
    // ...,"schema_version":1,"stream_seq":<seq>} at the very end.
    int end = env.length - 1;
    if (env[end] != '}') {
      return false;
    }
    int digits = end;
    while (digits > q && env[digits - 1] >= '0' && env[digits - 1] <= '9') {
      digits--;
    }
    int tail = digits - STREAM_SEQ.length;
    return tail > q && startsWith(env, tail, STREAM_SEQ) && expectNumber(env, digits, e.streamSeq()) == end;
  }

  /** Matches the canonical decimal form of non-negative {@code value} at {@code p}; returns the end or -1. */
  private static int expectNumber(byte[] b, int p, long value) {
    if (value < 0) {
      return -1;
    }
    int start = p;
    long parsed = 0;
    while (p < b.length && b[p] >= '0' && b[p] <= '9' && p - start < 19) {
      parsed = parsed * 10 + (b[p] - '0');
      p++;
    }
    boolean canonical = p > start && (b[start] != '0' || p == start + 1);
    return canonical && parsed == value ? p : -1;
  }

  /** Matches plain ASCII {@code s} (no character needing a JSON escape) at {@code p}; returns the end or -1. */
  private static int expectAscii(byte[] b, int p, String s) {
    int n = s.length();
    if (p + n > b.length) {
      return -1;
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\' || b[p + i] != c) {
        return -1;
      }
    }
    return p + n;
  }

  /** The first position in {@code [from, limit)} where {@code needle} starts and fits before {@code limit}, or -1. */
  private static int indexOf(byte[] b, byte[] needle, int from, int limit) {
    byte first = needle[0];
    for (int i = from, last = limit - needle.length; i <= last; i++) {
      if (b[i] == first && startsWith(b, i, needle)) {
        return i;
      }
    }
    return -1;
  }

  private static boolean startsWith(byte[] b, int p, byte[] prefix) {
    if (p < 0 || p + prefix.length > b.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (b[p + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
