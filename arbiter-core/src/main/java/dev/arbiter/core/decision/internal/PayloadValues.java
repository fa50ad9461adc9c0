package dev.arbiter.core.decision.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.core.decision.FieldError;
import dev.cel.common.values.NullValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts a JSON payload into CEL runtime values: integers that fit a {@code long} become {@link
 * Long}, other numbers {@link Double}, {@code null} becomes CEL's {@code null}. Collections are
 * unmodifiable. Integers beyond 64 bits are rejected rather than silently rounded.
 */
public final class PayloadValues {
  private PayloadValues() {}

  public static Map<String, Object> fromObject(JsonNode obj, String path, List<FieldError> errors) {
    Map<String, Object> out = new LinkedHashMap<>();
    obj.properties().forEach(e -> out.put(e.getKey(), value(e.getValue(), path + "." + e.getKey(), errors)));
    return Collections.unmodifiableMap(out);
  }

  private static Object value(JsonNode n, String path, List<FieldError> errors) {
    return switch (n.getNodeType()) {
      case OBJECT, POJO -> fromObject(n, path, errors);
      case ARRAY -> {
        List<Object> list = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
          list.add(value(n.get(i), path + "[" + i + "]", errors));
        }
        yield Collections.unmodifiableList(list);
      }
      case STRING, BINARY -> n.asText();
      case BOOLEAN -> n.asBoolean();
      case NULL, MISSING -> NullValue.NULL_VALUE;
      case NUMBER -> {
        if (n.isIntegralNumber()) {
          if (!n.canConvertToLong()) {
            errors.add(new FieldError("out_of_range", path, n.asText(), "an integer within 64 bits"));
            yield 0L;
          }
          yield n.asLong();
        }
        yield n.asDouble();
      }
    };
  }
}
