package dev.arbiter.ledger.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * The fields a verifier needs from stored envelope bytes, read with a streaming parser that skips
 * the payload (verification reads millions of envelopes a second).
 */
public record EnvelopeHeader(long leafIndex, String streamId, long streamSeq, String eventType) {
  private static final JsonFactory JSON = JsonFactory.builder().build();

  /**
   * @throws IllegalArgumentException when the bytes are not a JSON object carrying {@code
   *     leaf_index}, {@code decision_id}, {@code stream_seq} and {@code event_type}
   */
  public static EnvelopeHeader read(byte[] envelope) {
    long leaf = -1;
    long seq = -1;
    String stream = null;
    String type = null;
    try (JsonParser p = JSON.createParser(envelope)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("envelope is not a JSON object");
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        switch (name) {
          case "leaf_index" -> leaf = v == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
          case "stream_seq" -> seq = v == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
          case "decision_id" -> stream = v == JsonToken.VALUE_STRING ? p.getText() : null;
          case "event_type" -> type = v == JsonToken.VALUE_STRING ? p.getText() : null;
          default -> p.skipChildren();
        }
      }
      if (t != JsonToken.END_OBJECT) {
        throw new IllegalArgumentException("envelope is not a well-formed JSON object");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("envelope is not valid JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
    }
    if (leaf < 0 || seq < 0 || stream == null || type == null) {
      // The last occurrence of a repeated member counts (as in every JSON reader here), so "6.0" or a
      // second "leaf_index": "x" is named as the member it spoiled.
      String bad = leaf < 0 ? "leaf_index (an integer >= 0)" : seq < 0 ? "stream_seq (an integer >= 0)"
          : stream == null ? "decision_id (a string)" : "event_type (a string)";
      throw new IllegalArgumentException("envelope has no valid " + bad);
    }
    return new EnvelopeHeader(leaf, stream, seq, type);
  }
}
