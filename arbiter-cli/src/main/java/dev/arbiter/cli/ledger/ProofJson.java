package dev.arbiter.cli.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the fields of a proof printed by {@code ledger prove}. Shape only: a field that is missing
 * when required, or present but malformed (wrong type, not 64 hex characters, {@code null}), throws
 * {@link IllegalArgumentException} naming it, which the CLI reports as bad input (exit 2). An
 * optional field is absent only when the key is absent. Whether the values verify is decided later.
 */
final class ProofJson {
  private ProofJson() {}

  static long integer(JsonNode json, String field) {
    JsonNode v = json.get(field);
    // An integer node that fits a long: canConvertToExactIntegral() also took 5.0, and asLong()
    // wrapped 2^64 + 5 to 5 (a proof for leaf 5 accepted as one for leaf 2^64 + 5).
    if (v == null) {
      throw new IllegalArgumentException("`" + field + "` is missing");
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new IllegalArgumentException("`" + field + "` must be an integer (at most 2^63 - 1)");
    }
    return v.asLong();
  }

  static HashValue hash(JsonNode json, String field) {
    return hashValue(json.get(field), field);
  }

  static Optional<HashValue> optionalHash(JsonNode json, String field) {
    return json.has(field) ? Optional.of(hash(json, field)) : Optional.empty();
  }

  static List<byte[]> hashes(JsonNode json, String field) {
    JsonNode array = json.get(field);
    if (array == null || !array.isArray()) {
      throw new IllegalArgumentException("`" + field + "` must be an array of hex hashes");
    }
    List<byte[]> out = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      out.add(hashValue(array.get(i), field + "[" + i + "]").bytes());
    }
    return out;
  }

  static Optional<List<byte[]>> optionalHashes(JsonNode json, String field) {
    return json.has(field) ? Optional.of(hashes(json, field)) : Optional.empty();
  }

  static Checkpoint checkpoint(JsonNode json, String field) {
    JsonNode v = json.get(field);
    if (v == null) {
      throw new IllegalArgumentException("`" + field + "` is missing: a proof carries the signed checkpoint it is anchored in");
    }
    try {
      return Checkpoint.fromJson(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("`" + field + "`: " + e.getMessage());
    }
  }

  static Optional<Checkpoint> optionalCheckpoint(JsonNode json, String field) {
    return json.has(field) ? Optional.of(checkpoint(json, field)) : Optional.empty();
  }

  static ArrayNode toJson(List<byte[]> hashes) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    hashes.forEach(h -> a.add(HashValue.of(h).hex()));
    return a;
  }

  private static HashValue hashValue(JsonNode v, String field) {
    if (v == null) {
      throw new IllegalArgumentException("`" + field + "` is missing");
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException("`" + field + "` must be a hash of 64 hex characters");
    }
    try {
      return HashValue.fromHex(v.asText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("`" + field + "`: " + e.getMessage());
    }
  }
}
