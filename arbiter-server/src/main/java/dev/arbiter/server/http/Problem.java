package dev.arbiter.server.http;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.decision.FieldError;
import java.util.List;
import java.util.Map;

/**
 * An RFC 9457 problem: {@code type} (a stable URI, the thing clients switch on), {@code title}
 * (fixed per type), {@code status}, {@code detail} (this occurrence), plus extension members ({@code
 * errors} for validation, {@code decision_id}, {@code decision_status}, {@code outcome}). Served as {@code
 * application/problem+json}.
 */
public record Problem(String type, String title, int status, String detail, List<FieldError> errors,
    Map<String, String> extensions) {
  public static final String CONTENT_TYPE = "application/problem+json";
  static final String BASE = "https://arbiter.dev/problems/";
  private static final com.fasterxml.jackson.databind.ObjectMapper WRITER = new com.fasterxml.jackson.databind.ObjectMapper();

  /** RFC 9457's members and {@code errors}: an extension may not replace them. */
  private static final java.util.Set<String> RESERVED = java.util.Set.of("type", "title", "status", "detail", "instance", "errors");

  public Problem {
    errors = List.copyOf(errors);
    extensions = Map.copyOf(extensions);
    for (String name : extensions.keySet()) {
      if (RESERVED.contains(name)) {
        throw new IllegalArgumentException("extension `" + name + "` would replace a standard problem member");
      }
    }
  }

  static Problem of(String slug, String title, int status, String detail) {
    return new Problem(BASE + slug, title, status, detail, List.of(), Map.of());
  }

  Problem with(String key, String value) {
    var ext = new java.util.TreeMap<>(extensions);
    ext.put(key, value);
    return new Problem(type, title, status, detail, errors, ext);
  }

  /** The problem+json document's bytes. */
  byte[] bytes() {
    try {
      return WRITER.writeValueAsBytes(toJson());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("type", type);
    o.put("title", title);
    o.put("status", status);
    o.put("detail", detail);
    if (!errors.isEmpty()) {
      var arr = o.putArray("errors");
      for (FieldError e : errors) {
        arr.addObject().put("code", e.code()).put("path", e.path()).put("got", e.got()).put("want", e.want());
      }
    }
    extensions.forEach(o::put);
    return o;
  }
}
