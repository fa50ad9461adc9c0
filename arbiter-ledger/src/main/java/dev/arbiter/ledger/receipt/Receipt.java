package dev.arbiter.ledger.receipt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import java.util.ArrayList;
import java.util.List;

/**
 * The ledger's confirmation of a durable write: the entry's leaf index and entry hash, its RFC 9162
 * inclusion proof, and the signed checkpoint the proof leads to. Anyone holding the ledger's public
 * key can check it offline with {@link ReceiptVerifier}; until then it is a claim.
 *
 * <p>JSON: {@code {"leaf_index", "entry_hash" (hex), "prev_entry_hash" (hex), "inclusion_proof": [hex...],
 * "checkpoint": {...}}}. With {@code prev_entry_hash}, whoever holds the event's canonical envelope
 * can recompute {@code entry_hash = SHA-256(prev_entry_hash ‖ envelope)} and so bind the receipt to
 * the event itself ({@link ReceiptVerifier#verifyEvent}); it may be absent in receipts rebuilt from
 * storage alone.
 *
 * @param prevEntryHash the previous entry hash of the event's stream (32 zero bytes for its first
 *     event), or null when unknown
 */
public record Receipt(
    long leafIndex, HashValue entryHash, List<HashValue> inclusionProof, Checkpoint checkpoint, HashValue prevEntryHash) {

  /** A receipt without the previous hash (it then cannot be bound to an envelope offline). */
  public Receipt(long leafIndex, HashValue entryHash, List<HashValue> inclusionProof, Checkpoint checkpoint) {
    this(leafIndex, entryHash, inclusionProof, checkpoint, null);
  }

  public Receipt {
    if (leafIndex < 0) {
      throw new IllegalArgumentException("receipt leaf_index must be >= 0");
    }
    if (entryHash == null || checkpoint == null) {
      throw new IllegalArgumentException("receipt entry_hash and checkpoint are required");
    }
    inclusionProof = List.copyOf(inclusionProof);
  }

  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("leaf_index", leafIndex);
    o.put("entry_hash", entryHash.hex());
    if (prevEntryHash != null) {
      o.put("prev_entry_hash", prevEntryHash.hex());
    }
    ArrayNode proof = o.putArray("inclusion_proof");
    inclusionProof.forEach(h -> proof.add(h.hex()));
    o.set("checkpoint", checkpoint.toJson());
    return o;
  }

  /** Parses the JSON form; shape only, the result is untrusted. */
  public static Receipt fromJson(JsonNode json) {
    if (json == null || !json.isObject()) {
      throw new IllegalArgumentException("a receipt is a JSON object");
    }
    JsonNode leaf = json.get("leaf_index");
    if (leaf == null || !leaf.isIntegralNumber() || !leaf.canConvertToLong() || leaf.asLong() < 0) {
      throw new IllegalArgumentException("receipt.leaf_index: expected a non-negative integer");
    }
    JsonNode eh = json.get("entry_hash");
    if (eh == null || !eh.isTextual()) {
      throw new IllegalArgumentException("receipt.entry_hash: expected a hex string");
    }
    JsonNode proof = json.get("inclusion_proof");
    if (proof == null || !proof.isArray()) {
      throw new IllegalArgumentException("receipt.inclusion_proof: expected an array of hex strings");
    }
    List<HashValue> hashes = new ArrayList<>();
    for (JsonNode h : proof) {
      hashes.add(HashValue.fromHex(h.asText()));
    }
    JsonNode prev = json.get("prev_entry_hash");
    if (prev != null && !prev.isTextual()) {
      throw new IllegalArgumentException("receipt.prev_entry_hash: expected a hex string");
    }
    return new Receipt(leaf.asLong(), HashValue.fromHex(eh.asText()), hashes, Checkpoint.fromJson(json.get("checkpoint")),
        prev == null ? null : HashValue.fromHex(prev.asText()));
  }
}
