package dev.arbiter.ledger.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.CanonicalJson;

/**
 * One ledger event as it is hashed. Its canonical form is RFC 8785 JSON of
 *
 * <pre>{
 *   "actor": {"id": ..., "role": ...},
 *   "at": "2026-11-25T17:22:46.123456Z",      // UTC, always 6 fractional digits
 *   "decision_id": "dec_...",                  // the stream id
 *   "event_id": "evt_<ULID>",
 *   "event_type": "decision.created",
 *   "leaf_index": 41,                          // position in the global log
 *   "payload": {...},
 *   "policy_version": "sha256:..." | null,
 *   "schema_version": 1,
 *   "stream_seq": 0                            // 0 for the first event of a stream
 * }</pre>
 *
 * The leaf index is inside the hashed bytes so that an entry moved to another position (rows swapped
 * or renumbered) is caught at the exact entry. Its entry hash is {@code SHA-256(prev_entry_hash_of_stream ‖ canonical bytes)} (see {@link
 * dev.arbiter.ledger.EntryHash}).
 */
public record EventEnvelope(
    String eventId,
    long leafIndex,
    String streamId,
    long streamSeq,
    String eventType,
    int schemaVersion,
    String policyVersion,
    Actor actor,
    JsonNode payload,
    String at) {

  public static final int SCHEMA_VERSION = 1;

  public EventEnvelope {
    if (leafIndex < 0) {
      throw new IllegalArgumentException("leaf_index must be >= 0");
    }
    if (streamSeq < 0) {
      throw new IllegalArgumentException("stream_seq must be >= 0");
    }
    if (payload == null || !payload.isObject()) {
      throw new IllegalArgumentException("payload must be a JSON object");
    }
  }

  /**
   * A copy of the payload. (The record holds the node it was given without copying: the ledger passes
   * the draft's private, never-mutated payload; other callers must not mutate what they pass.)
   */
  public JsonNode payload() {
    return payload.deepCopy();
  }

  /** The envelope as a JSON object (field names as in the canonical form). */
  public ObjectNode toJson() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode o = f.objectNode();
    ObjectNode a = o.putObject("actor");
    a.put("id", actor.id());
    a.put("role", actor.role());
    o.put("at", at);
    o.put("decision_id", streamId);
    o.put("event_id", eventId);
    o.put("event_type", eventType);
    o.put("leaf_index", leafIndex);
    o.set("payload", payload.deepCopy());
    if (policyVersion == null) {
      o.putNull("policy_version");
    } else {
      o.put("policy_version", policyVersion);
    }
    o.put("schema_version", schemaVersion);
    o.put("stream_seq", streamSeq);
    return o;
  }

  /** RFC 8785 canonical bytes: exactly what is hashed. */
  public byte[] canonicalBytes() {
    return CanonicalJson.encode(toJson());
  }
}
