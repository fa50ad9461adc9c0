package dev.arbiter.core.approval;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reading back a signed object that a client echoes (a challenge, an enrolment statement): exactly
 * its fields, strings where strings belong, and times only in the form the engine writes, so that
 * re-encoding gives back the bytes that were signed. Messages name the member ({@code
 * `challenge.nonce`}).
 */
final class StrictFields {
  private StrictFields() {}

  /**
   * @param name the object's member name in messages, e.g. {@code challenge}
   * @param what what the object must be, e.g. "the object the challenge endpoint returned"
   */
  static void requireExactly(JsonNode json, String name, Set<String> fields, String what) {
    if (json == null || !json.isObject()) {
      throw new IllegalArgumentException("`" + name + "` must be " + what);
    }
    Set<String> names = new TreeSet<>();
    json.fieldNames().forEachRemaining(names::add);
    if (!names.equals(new TreeSet<>(fields))) {
      throw new IllegalArgumentException("`" + name + "` must have exactly the fields " + new TreeSet<>(fields) + ", got "
          + (names.size() > 10 ? names.size() + " fields" : names));
    }
  }

  static String text(JsonNode json, String name, String field) {
    JsonNode v = json.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException("`" + name + "." + field + "` must be a string");
    }
    return v.asText();
  }

  /**
   * Only the form {@link Instant#toString()} writes: {@link Instant#parse} also takes offsets,
   * lower-case {@code t}/{@code z} and padded fractions, which would be "the same" object
   * re-serialised to other bytes than the ones echoed.
   */
  static Instant instant(JsonNode json, String name, String field) {
    String text = text(json, name, field);
    try {
      Instant at = Instant.parse(text);
      if (at.toString().equals(text)) {
        return at;
      }
    } catch (DateTimeParseException e) {
      // fall through
    }
    throw new IllegalArgumentException("`" + name + "." + field
        + "` must be an RFC 3339 UTC timestamp as issued (e.g. 2026-01-02T03:04:05Z)");
  }
}
