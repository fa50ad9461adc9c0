package dev.arbiter.server.engine;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where each top-level member's value lies in the bytes of a JSON object, found with a streaming
 * parser (no tree is built): {@code name → {start, end}}, end exclusive. For canonical JSON the span
 * of a member is that member's canonical bytes, which is what lets a recorded evaluation and a
 * stored envelope's payload be used as bytes.
 */
final class JsonSpans {
  /** Buffers from a pool all threads share: a per-thread pool reuses nothing on a new virtual thread per request. */
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .recyclerPool(JsonRecyclerPools.newConcurrentDequePool())
      .streamReadConstraints(dev.arbiter.core.canonical.JsonDepth.constraints(dev.arbiter.core.canonical.JsonDepth.STORED))
      .build();

  private JsonSpans() {}

  /** @throws IOException when {@code json} is not one well-formed JSON object */
  static Map<String, int[]> of(byte[] json) throws IOException {
    Map<String, int[]> out = new LinkedHashMap<>();
    try (JsonParser p = FACTORY.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        int start = (int) p.currentTokenLocation().getByteOffset();
        if (value.isStructStart()) {
          p.skipChildren();
        } else {
          p.finishToken(); // a string is read lazily; its end is known only once it was
        }
        out.put(name, new int[] {start, (int) p.currentLocation().getByteOffset()});
      }
    }
    return out;
  }
}
