package dev.arbiter.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.arbiter.core.decision.FieldError;
import dev.arbiter.server.engine.EngineException;
import dev.arbiter.server.identity.Principal;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.List;

/** What every route handler needs from a request: the caller, the stored body, ids, JSON in and out. */
final class Requests {
  /**
   * Jackson's default buffer pool is per thread; every request runs on a new virtual thread, so it
   * would allocate fresh buffers for every answer. A pool shared by all threads reuses them.
   */
  private static final ObjectMapper JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
      .recyclerPool(com.fasterxml.jackson.core.util.JsonRecyclerPools.newConcurrentDequePool()).build());

  private Requests() {}

  static Principal principal(Context ctx) {
    Principal p = ctx.attribute(HttpApi.PRINCIPAL);
    if (p == null) {
      throw new IllegalStateException("route reached without authentication");
    }
    return p;
  }

  static byte[] storedBody(Context ctx) {
    return ctx.attribute("arbiter.body");
  }

  static final java.util.regex.Pattern DECISION_ID = java.util.regex.Pattern.compile("dec_[0-9A-HJKMNP-TV-Z]{26}");

  /** Only decision streams are decisions: anything else (e.g. `sys:policy`) is not found. */
  static String decisionId(Context ctx) throws EngineException {
    String id = ctx.pathParam("id");
    if (!DECISION_ID.matcher(id).matches()) {
      throw new EngineException.NotFound(id); // scanned whole for a credential, then cut
    }
    return id;
  }

  static String text(JsonNode root, String field) {
    JsonNode n = root.get(field);
    return n == null || !n.isTextual() ? null : n.asText();
  }

  static JsonNode strictObject(byte[] body, java.util.Set<String> allowed) throws EngineException.InvalidInput {
    JsonNode root;
    try {
      root = dev.arbiter.core.canonical.StrictJson.parse(body);
    } catch (RuntimeException e) {
      throw new EngineException.InvalidInput(List.of(
          dev.arbiter.server.engine.CanonicalBodies.unreadable(e, "malformed JSON", "a JSON object")));
    }
    dev.arbiter.server.engine.CanonicalBodies.require(root);
    if (!root.isObject()) {
      throw new EngineException.InvalidInput(List.of(new FieldError("wrong_type", "$", "not an object", "a JSON object")));
    }
    List<FieldError> errors = new java.util.ArrayList<>();
    root.fieldNames().forEachRemaining(f -> {
      if (!allowed.contains(f)) {
        errors.add(new FieldError("unknown_field", f, "`" + f + "`", "one of " + new java.util.TreeSet<>(allowed)));
      }
    });
    if (!errors.isEmpty()) {
      throw new EngineException.InvalidInput(errors);
    }
    return root;
  }

  static void json(Context ctx, int status, JsonNode body) {
    ctx.status(status);
    ctx.contentType("application/json");
    ctx.result(write(body));
  }

  /** Writes to the response as it serialises: no whole-answer byte[] (cf. {@link #json}), and nothing left to close. */
  private static final com.fasterxml.jackson.databind.ObjectWriter STREAMING =
      JSON.writer().without(com.fasterxml.jackson.core.JsonGenerator.Feature.AUTO_CLOSE_TARGET);

  /**
   * {@link #json}, serialised straight into the response: for answers that nothing reads back (the
   * {@code idempotent} wrapper re-reads what {@link #json} set). A decision's answer is ~9 KB; built
   * as a byte[] first it cost ~17 KB of garbage per decision.
   */
  static void stream(Context ctx, int status, JsonNode body) {
    ctx.status(status);
    ctx.contentType("application/json");
    try {
      STREAMING.writeValue(ctx.outputStream(), body);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static byte[] write(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
