package dev.arbiter.gateway.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An RFC 9457 problem as the gateway and the sample tool answer it: {@code type} (stable URI
 * {@value #BASE}{@code <slug>}, what clients switch on), {@code title} (fixed per type), {@code
 * status}, {@code detail} (this occurrence), plus extension members such as {@code reason}. Served as
 * {@value #CONTENT_TYPE}.
 */
public record Problem(String type, String title, int status, String detail, Map<String, String> extensions) {
  public static final String CONTENT_TYPE = "application/problem+json";
  public static final String BASE = "https://arbiter.dev/problems/";
  private static final ObjectMapper JSON = new ObjectMapper();

  public Problem {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(title, "title");
    detail = detail == null ? "" : detail;
    extensions = Map.copyOf(extensions);
  }

  public static Problem of(String slug, String title, int status, String detail) {
    return new Problem(BASE + slug, title, status, detail, Map.of());
  }

  /** This problem with one more extension member (ignored when {@code value} is null). */
  public Problem with(String key, String value) {
    if (value == null) {
      return this;
    }
    var ext = new TreeMap<>(extensions);
    ext.put(key, value);
    return new Problem(type, title, status, detail, ext);
  }

  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("type", type);
    o.put("title", title);
    o.put("status", status);
    o.put("detail", detail);
    new TreeMap<>(extensions).forEach(o::put);
    return o;
  }

  /** The problem+json document's bytes. */
  public byte[] bytes() {
    try {
      return JSON.writeValueAsBytes(toJson());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes this problem as the response. */
  public void writeTo(Context ctx) {
    ctx.status(status);
    ctx.contentType(CONTENT_TYPE);
    try {
      ctx.result(JSON.writeValueAsBytes(toJson()));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
