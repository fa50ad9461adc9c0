package dev.arbiter.ledger.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.crypto.DomainSeparation;
import dev.arbiter.core.crypto.KeyId;
import dev.arbiter.ledger.HashValue;
import java.util.Base64;

/**
 * A signed statement by the ledger key: "ledger {@code ledgerId} had {@code treeSize} entries with
 * Merkle root {@code rootHash} at {@code timestamp}". One is written at the end of every durable
 * commit batch.
 *
 * <p>Signed bytes: {@code "arbiter-checkpoint-v1" ‖ 0x00 ‖ RFC8785({"ledger_id", "root_hash" (hex),
 * "timestamp", "tree_size"})} (see {@link DomainSeparation}). The key id and signature are not
 * signed; a verifier pins the key itself and only uses {@code keyId} to say which key was claimed.
 *
 * <p>A checkpoint read from a database or a file is a <em>claim</em> until {@link
 * CheckpointVerifier#verify} accepted it.
 */
public record Checkpoint(
    String ledgerId, long treeSize, HashValue rootHash, String timestamp, KeyId keyId, byte[] signature) {

  public static final String CONTEXT = "arbiter-checkpoint-v1";
  public static final String FORMAT = "arbiter-checkpoint-v1";

  public Checkpoint {
    if (ledgerId == null || ledgerId.isBlank()) {
      throw new IllegalArgumentException("checkpoint ledger_id is required");
    }
    if (treeSize < 0) {
      throw new IllegalArgumentException("checkpoint tree_size must be >= 0, got " + treeSize);
    }
    if (rootHash == null || timestamp == null || keyId == null || signature == null) {
      throw new IllegalArgumentException("checkpoint root_hash, timestamp, key_id and signature are required");
    }
    signature = signature.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /** The exact bytes the ledger key signs for these fields. */
  public static byte[] signingInput(String ledgerId, long treeSize, HashValue rootHash, String timestamp) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("ledger_id", ledgerId);
    body.put("root_hash", rootHash.hex());
    body.put("timestamp", timestamp);
    body.put("tree_size", treeSize);
    return DomainSeparation.signingInput(CONTEXT, CanonicalJson.encode(body));
  }

  public byte[] signingInput() {
    return signingInput(ledgerId, treeSize, rootHash, timestamp);
  }

  /** The portable JSON form written by {@code arbiter ledger checkpoint --out}. */
  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("format", FORMAT);
    o.put("ledger_id", ledgerId);
    o.put("tree_size", treeSize);
    o.put("root_hash", rootHash.hex());
    o.put("timestamp", timestamp);
    o.put("key_id", keyId.value());
    o.put("signature", Base64.getEncoder().encodeToString(signature));
    return o;
  }

  /**
   * Parses the JSON form. Only the shape is checked here; the result is still untrusted.
   *
   * @throws IllegalArgumentException naming the field that is missing or malformed
   */
  public static Checkpoint fromJson(JsonNode json) {
    if (json == null || !json.isObject()) {
      throw new IllegalArgumentException("a checkpoint is a JSON object");
    }
    String format = text(json, "format");
    if (!FORMAT.equals(format)) {
      throw new IllegalArgumentException("checkpoint.format: expected `" + FORMAT + "`, got `" + format + "`");
    }
    JsonNode size = json.get("tree_size");
    // An integer node that fits a long: canConvertToExactIntegral() also took 5.0, and asLong()
    // wrapped 2^64 + 5 to 5.
    if (size == null || !size.isIntegralNumber() || !size.canConvertToLong() || size.asLong() < 0) {
      throw new IllegalArgumentException("checkpoint.tree_size: expected a non-negative integer");
    }
    byte[] sig;
    try {
      sig = Base64.getDecoder().decode(text(json, "signature"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("checkpoint.signature: not base64");
    }
    return new Checkpoint(
        text(json, "ledger_id"),
        size.asLong(),
        HashValue.fromHex(text(json, "root_hash")),
        text(json, "timestamp"),
        new KeyId(text(json, "key_id")),
        sig);
  }

  private static String text(JsonNode json, String field) {
    JsonNode v = json.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException("checkpoint." + field + ": expected a string");
    }
    return v.asText();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Checkpoint c
        && ledgerId.equals(c.ledgerId)
        && treeSize == c.treeSize
        && rootHash.equals(c.rootHash)
        && timestamp.equals(c.timestamp)
        && keyId.equals(c.keyId)
        && java.security.MessageDigest.isEqual(signature, c.signature);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(treeSize) * 31 + rootHash.hashCode();
  }

  @Override
  public String toString() {
    return "Checkpoint[" + ledgerId + " size=" + treeSize + " root=" + rootHash.hex() + " at " + timestamp + "]";
  }
}
