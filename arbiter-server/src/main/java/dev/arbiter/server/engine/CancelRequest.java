package dev.arbiter.server.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.core.canonical.JsonInputException;
import dev.arbiter.core.canonical.StrictJson;
import dev.arbiter.core.decision.FieldError;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A proposer's request to cancel a decision: {@code {"actor": {"id": "..."}, "reason": "..."}};
 * {@code reason} is optional (at most 500 characters). The actor is the authenticated caller ({@link
 * #parse(byte[], String)}): a body naming someone else is refused, and only the proposer may cancel.
 */
public record CancelRequest(String actorId, Optional<String> reason) {
  private static final Set<String> TOP = Set.of("actor", "reason");
  private static final int MAX_REASON = 500;

  /** Strict parse: bad JSON, duplicate keys, unknown fields and wrong types are all rejected. */
  /**
   * Parses a cancel by the authenticated {@code subject}: {@code actor} may be omitted (it is the
   * caller); if given it must be the caller. An empty body is an empty object.
   */
  public static CancelRequest parse(byte[] body, String subject) throws EngineException {
    CancelRequest r = parse(body.length == 0 ? ("{\"actor\":{\"id\":" + dev.arbiter.core.canonical.CanonicalJson
        .encodeToString(com.fasterxml.jackson.databind.node.TextNode.valueOf(subject)) + "}}").getBytes(java.nio.charset.StandardCharsets.UTF_8)
        : withActor(body, subject));
    if (!r.actorId().equals(subject)) {
      throw new EngineException.Forbidden("actor-mismatch", "actor.id must be the authenticated caller's subject");
    }
    return r;
  }

  private static byte[] withActor(byte[] body, String subject) throws EngineException.InvalidInput {
    JsonNode root;
    try {
      root = StrictJson.parse(body);
    } catch (JsonInputException e) {
      throw new EngineException.InvalidInput(List.of(CanonicalBodies.unreadable(e, e.getMessage(), "a JSON object")));
    }
    CanonicalBodies.require(root);
    if (root.isObject() && !root.has("actor")) {
      ((com.fasterxml.jackson.databind.node.ObjectNode) root).putObject("actor").put("id", subject);
      return dev.arbiter.core.canonical.CanonicalJson.encode(root);
    }
    return body;
  }

  public static CancelRequest parse(byte[] body) throws EngineException.InvalidInput {
    JsonNode root;
    try {
      root = StrictJson.parse(body);
    } catch (JsonInputException e) {
      throw new EngineException.InvalidInput(List.of(CanonicalBodies.unreadable(e, e.getMessage(), "a JSON object")));
    }
    CanonicalBodies.require(root);
    List<FieldError> errors = new ArrayList<>();
    if (!root.isObject()) {
      throw new EngineException.InvalidInput(List.of(new FieldError("wrong_type", "$", root.getNodeType().name().toLowerCase(java.util.Locale.ROOT), "object")));
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!TOP.contains(f)) {
        errors.add(new FieldError("unknown_field", f, "`" + f + "`", "one of actor, reason"));
      }
    }
    JsonNode actor = root.get("actor");
    String actorId = null;
    if (actor == null || !actor.isObject() || actor.get("id") == null || !actor.get("id").isTextual()
        || actor.get("id").asText().isBlank() || actor.get("id").asText().length() > 256 || actor.size() != 1) {
      errors.add(new FieldError(actor == null ? "missing_field" : "wrong_type", "actor",
          actor == null ? "nothing" : actor.toString().length() > 80 ? "an invalid value" : actor.toString(),
          "{\"id\": non-empty string of at most 256 characters}"));
    } else {
      actorId = actor.get("id").asText();
    }
    JsonNode reason = root.get("reason");
    if (reason != null && (!reason.isTextual() || reason.asText().length() > MAX_REASON)) {
      errors.add(new FieldError("wrong_type", "reason", reason.isTextual() ? reason.asText().length() + " characters"
          : reason.getNodeType().name().toLowerCase(java.util.Locale.ROOT), "a string of at most " + MAX_REASON + " characters"));
    } else if (reason != null) {
      dev.arbiter.core.secrets.SecretScanner.scanText(reason.asText()).ifPresent(detector ->
          errors.add(FieldError.secret("reason", detector)));
    }
    if (!errors.isEmpty()) {
      throw new EngineException.InvalidInput(errors);
    }
    return new CancelRequest(actorId, Optional.ofNullable(reason).map(JsonNode::asText));
  }
}
