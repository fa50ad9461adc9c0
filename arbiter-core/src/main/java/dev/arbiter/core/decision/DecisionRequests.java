package dev.arbiter.core.decision;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import dev.arbiter.core.canonical.JsonDepth;
import dev.arbiter.core.canonical.JsonLimit;
import dev.arbiter.core.decision.internal.PayloadValues;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Strict normalisation of a decision request into {@link DecisionRequest}.
 *
 * <p>Rejected with {@link InvalidRequestException} (every problem reported, each with a field path,
 * got and want): bad JSON, duplicate keys, unknown fields (anywhere except inside {@code
 * action.payload}), wrong types, a missing {@code action} or {@code action.class}, an environment
 * outside {@code dev|staging|production}. Not rejected but normalised: a missing {@code
 * context.environment} becomes {@code production}; a missing {@code context.actor.id} stays absent
 * so the evaluator denies (DESIGN §3). JSON {@code null} counts as absent.
 */
public final class DecisionRequests {
  private static final JsonMapper MAPPER =
      JsonMapper.builder(com.fasterxml.jackson.core.JsonFactory.builder()
              .streamReadConstraints(JsonDepth.constraints(JsonDepth.INPUT)).build())
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private static final Set<String> TOP = Set.of("action", "context");
  private static final Set<String> ACTION = Set.of("class", "tool", "intent", "target", "payload");
  private static final Set<String> TARGET = Set.of("type", "id");
  private static final Set<String> CONTEXT =
      Set.of("actor", "environment", "request_source", "scope", "blast_radius", "reversible");
  private static final Set<String> ACTOR = Set.of("id");

  private DecisionRequests() {}

  /** Parses and normalises request JSON bytes. */
  public static DecisionRequest parse(byte[] json) throws InvalidRequestException {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (StreamConstraintsException e) {
      JsonLimit.Breach breach = JsonLimit.of(e); // nesting, or the length of a number, name or string
      throw new InvalidRequestException(
          List.of(new FieldError(breach.limit().code(), "$", breach.got(), breach.want())));
    } catch (JsonProcessingException e) {
      throw new InvalidRequestException(
          List.of(new FieldError("malformed_json", "$", describe(e), "a JSON object")));
    } catch (IOException e) {
      throw new InvalidRequestException(
          List.of(new FieldError("malformed_json", "$", e.getMessage(), "a JSON object")));
    }
    if (root == null || root.isMissingNode()) {
      throw new InvalidRequestException(
          List.of(new FieldError("malformed_json", "$", "empty input", "a JSON object")));
    }
    return normalise(root);
  }

  /** Normalises an already-parsed JSON tree (duplicate keys must have been rejected by the parser). */
  public static DecisionRequest normalise(JsonNode root) throws InvalidRequestException {
    List<FieldError> errors = new ArrayList<>();
    if (!root.isObject()) {
      throw new InvalidRequestException(
          List.of(new FieldError("wrong_type", "$", typeName(root), "object")));
    }
    unknownFields(root, "", TOP, errors);
    JsonNode action = present(root, "action");
    Action parsedAction = null;
    if (action == null) {
      errors.add(new FieldError("missing_field", "action", "nothing", "object"));
    } else if (!action.isObject()) {
      errors.add(new FieldError("wrong_type", "action", typeName(action), "object"));
    } else {
      parsedAction = action(action, errors);
    }
    RequestContext context = context(present(root, "context"), errors);
    if (!errors.isEmpty()) {
      throw new InvalidRequestException(errors);
    }
    return new DecisionRequest(parsedAction, context);
  }

  private static Action action(JsonNode action, List<FieldError> errors) {
    unknownFields(action, "action.", ACTION, errors);
    String cls = string(action, "class", "action.class", errors).orElse("");
    if (present(action, "class") == null) {
      errors.add(new FieldError("missing_field", "action.class", "nothing", "string"));
    } else if (cls.isEmpty() && present(action, "class").isTextual()) {
      errors.add(new FieldError("invalid_value", "action.class", "\"\"", "a non-empty string"));
    }
    String tool = string(action, "tool", "action.tool", errors).orElse("");
    String intent = string(action, "intent", "action.intent", errors).orElse("");
    Target target = new Target("", "");
    JsonNode t = present(action, "target");
    if (t != null && !t.isObject()) {
      errors.add(new FieldError("wrong_type", "action.target", typeName(t), "object"));
    } else if (t != null) {
      unknownFields(t, "action.target.", TARGET, errors);
      target =
          new Target(
              string(t, "type", "action.target.type", errors).orElse(""),
              string(t, "id", "action.target.id", errors).orElse(""));
    }
    Map<String, Object> payload = Map.of();
    JsonNode p = present(action, "payload");
    if (p != null && !p.isObject()) {
      errors.add(new FieldError("wrong_type", "action.payload", typeName(p), "object"));
    } else if (p != null) {
      payload = PayloadValues.fromObject(p, "action.payload", errors);
    }
    tooLong(cls, "action.class", MAX_CLASS_OR_TYPE, errors);
    tooLong(tool, "action.tool", MAX_TOOL, errors);
    tooLong(target.type(), "action.target.type", MAX_CLASS_OR_TYPE, errors);
    tooLong(target.id(), "action.target.id", MAX_TARGET_ID, errors);
    targetSpelling(target, errors);
    return new Action(cls, tool, intent, target, payload);
  }

  /**
   * Lengths of the fields a grant carries. A grant travels in a request header, to the gateway and
   * from it to the tool with the gateway's proof; a grant too long for a tool's header limit would be
   * burned and then refused by the tool (the decision's one execution spent). These bounds keep every
   * grant well under the gateway's own limit (see the gateway's {@code MAX_GRANT_CHARS}).
   */
  public static final int MAX_CLASS_OR_TYPE = 64;
  public static final int MAX_TOOL = 128;
  public static final int MAX_TARGET_ID = 512;

  /** A target type is a lowercase name: {@code service}, {@code iam_role}, {@code database}. */
  private static final java.util.regex.Pattern TARGET_TYPE = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9_.-]*");

  /**
   * Policies compare targets with {@code ==}: a respelt target is another string and slipped past a
   * gate (black-box run: {@code IAM_role}, {@code "iam_role "} and {@code "billing\u200b"} were
   * authorised where {@code iam_role} and {@code billing} were denied or critical). A type is a
   * lowercase name; an id keeps its case (ids are the tool's), but must be spelt one way only
   * ({@link Spelling#isPlainIdentifier}). Empty is what a request without a target is recorded as
   * (both "", as before), so it stays allowed.
   */
  private static void targetSpelling(Target target, List<FieldError> errors) {
    if (!target.type().isEmpty() && !TARGET_TYPE.matcher(target.type()).matches()
        && target.type().length() <= MAX_CLASS_OR_TYPE) {
      errors.add(new FieldError("invalid_value", "action.target.type", Spelling.shown(target.type()),
          "a lowercase name: a-z, 0-9, '_', '.' or '-', starting with a letter or digit"));
    }
    if (target.id().length() <= MAX_TARGET_ID && !Spelling.isPlainIdentifier(target.id())) {
      errors.add(new FieldError("invalid_value", "action.target.id", Spelling.shown(target.id()),
          "an id in compatibility-composed form (NFKC), without surrounding whitespace or invisible characters"));
    }
  }

  private static void tooLong(String value, String path, int max, List<FieldError> errors) {
    if (value.length() > max) {
      errors.add(new FieldError("too_long", path, value.length() + " characters", "at most " + max + " characters"));
    }
  }

  private static RequestContext context(JsonNode ctx, List<FieldError> errors) {
    if (ctx == null) {
      return new RequestContext(Optional.empty(), Environment.PRODUCTION, "", "", 1, false);
    }
    if (!ctx.isObject()) {
      errors.add(new FieldError("wrong_type", "context", typeName(ctx), "object"));
      return new RequestContext(Optional.empty(), Environment.PRODUCTION, "", "", 1, false);
    }
    unknownFields(ctx, "context.", CONTEXT, errors);
    Optional<String> actorId = Optional.empty();
    JsonNode actor = present(ctx, "actor");
    if (actor != null && !actor.isObject()) {
      errors.add(new FieldError("wrong_type", "context.actor", typeName(actor), "object"));
    } else if (actor != null) {
      unknownFields(actor, "context.actor.", ACTOR, errors);
      actorId = string(actor, "id", "context.actor.id", errors).filter(s -> !s.isBlank());
      if (actorId.isPresent() && actorId.get().length() > 256) {
        // Actor ids land in the append-only ledger: bound them.
        errors.add(new FieldError("too_long", "context.actor.id", actorId.get().length() + " characters", "at most 256 characters"));
        actorId = Optional.empty();
      }
    }
    Environment env = Environment.PRODUCTION;
    Optional<String> envName = string(ctx, "environment", "context.environment", errors);
    if (envName.isPresent()) {
      Optional<Environment> parsed = Environment.fromWireName(envName.get());
      if (parsed.isEmpty()) {
        errors.add(
            new FieldError(
                "invalid_value",
                "context.environment",
                '"' + envName.get() + '"',
                "one of \"dev\", \"staging\", \"production\""));
      } else {
        env = parsed.get();
      }
    }
    String source = string(ctx, "request_source", "context.request_source", errors).orElse("");
    String scope = string(ctx, "scope", "context.scope", errors).orElse("");
    long blast = 1;
    JsonNode b = present(ctx, "blast_radius");
    if (b != null) {
      if (!b.isIntegralNumber() || !b.canConvertToLong() || b.asLong() < 0) {
        errors.add(
            new FieldError(
                "wrong_type", "context.blast_radius", describeValue(b), "a non-negative integer"));
      } else {
        blast = b.asLong();
      }
    }
    boolean reversible = false;
    JsonNode r = present(ctx, "reversible");
    if (r != null) {
      if (!r.isBoolean()) {
        errors.add(new FieldError("wrong_type", "context.reversible", typeName(r), "boolean"));
      } else {
        reversible = r.asBoolean();
      }
    }
    return new RequestContext(actorId, env, source, scope, blast, reversible);
  }

  private static JsonNode present(JsonNode obj, String field) {
    JsonNode n = obj.get(field);
    return n == null || n.isNull() ? null : n;
  }

  private static Optional<String> string(
      JsonNode obj, String field, String path, List<FieldError> errors) {
    JsonNode n = present(obj, field);
    if (n == null) {
      return Optional.empty();
    }
    if (!n.isTextual()) {
      errors.add(new FieldError("wrong_type", path, typeName(n), "string"));
      return Optional.empty();
    }
    return Optional.of(n.asText());
  }

  private static void unknownFields(
      JsonNode obj, String prefix, Set<String> allowed, List<FieldError> errors) {
    obj.fieldNames()
        .forEachRemaining(
            name -> {
              if (!allowed.contains(name)) {
                errors.add(
                    new FieldError(
                        "unknown_field",
                        prefix + name,
                        "unknown field",
                        "one of " + String.join(", ", allowed.stream().sorted().toList())));
              }
            });
  }

  /** A short JSON type name for error messages: object, array, string, number, boolean, null. */
  public static String typeName(JsonNode n) {
    JsonNodeType t = n.getNodeType();
    return switch (t) {
      case OBJECT, POJO -> "object";
      case ARRAY -> "array";
      case STRING, BINARY -> "string";
      case NUMBER -> "number";
      case BOOLEAN -> "boolean";
      case NULL, MISSING -> "null";
    };
  }

  private static String describeValue(JsonNode n) {
    return n.isNumber() ? n.asText() : typeName(n);
  }

  /**
   * Where the JSON is malformed, never what it says there: the parser's own message can quote the
   * offending token, which may be a credential pasted in the wrong place.
   */
  private static String describe(JsonProcessingException e) {
    String what = e instanceof com.fasterxml.jackson.core.exc.StreamReadException sre
        && sre.getOriginalMessage() != null && sre.getOriginalMessage().startsWith("Duplicate field")
        ? "a duplicate field" : "malformed JSON";
    var loc = e.getLocation();
    return loc == null ? what : what + " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
  }
}
