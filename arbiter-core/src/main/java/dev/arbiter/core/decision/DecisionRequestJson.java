package dev.arbiter.core.decision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cel.common.values.NullValue;
import java.util.List;
import java.util.Map;

/**
 * The normalised request as JSON (defaults filled in, e.g. {@code environment: "production"}), for
 * the {@code decision.created} ledger event and for idempotency comparison (hash its canonical
 * form). A missing actor is written as {@code "actor": null}. Parsing the output with {@link
 * DecisionRequests#normalise} yields an equal {@link DecisionRequest}.
 */
public final class DecisionRequestJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private DecisionRequestJson() {}

  public static ObjectNode toJson(DecisionRequest r) {
    ObjectNode root = F.objectNode();
    ObjectNode action = root.putObject("action");
    action.put("class", r.action().actionClass());
    action.put("tool", r.action().tool());
    action.put("intent", r.action().intent());
    action.putObject("target").put("type", r.action().target().type()).put("id", r.action().target().id());
    action.set("payload", value(r.action().payload()));
    ObjectNode ctx = root.putObject("context");
    r.context().actorId().ifPresentOrElse(id -> ctx.putObject("actor").put("id", id), () -> ctx.putNull("actor"));
    ctx.put("environment", r.context().environment().wireName());
    ctx.put("request_source", r.context().requestSource());
    ctx.put("scope", r.context().scope());
    ctx.put("blast_radius", r.context().blastRadius());
    ctx.put("reversible", r.context().reversible());
    return root;
  }

  private static JsonNode value(Object v) {
    return switch (v) {
      case Map<?, ?> m -> {
        ObjectNode o = F.objectNode();
        m.forEach((k, x) -> o.set((String) k, value(x)));
        yield o;
      }
      case List<?> l -> {
        ArrayNode a = F.arrayNode();
        l.forEach(x -> a.add(value(x)));
        yield a;
      }
      case String s -> F.textNode(s);
      case Long n -> F.numberNode(n);
      case Double d -> F.numberNode(d);
      case Boolean b -> F.booleanNode(b);
      case NullValue n -> F.nullNode();
      default -> throw new IllegalStateException("not a payload value: " + v.getClass());
    };
  }
}
