package dev.arbiter.server.http;

import static dev.arbiter.server.http.Requests.decisionId;
import static dev.arbiter.server.http.Requests.json;
import static dev.arbiter.server.http.Requests.principal;
import static dev.arbiter.server.http.Requests.storedBody;
import static dev.arbiter.server.http.Requests.strictObject;
import static dev.arbiter.server.http.Requests.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.arbiter.core.decision.FieldError;
import dev.arbiter.server.engine.DecisionEngine;
import dev.arbiter.server.engine.EngineException;
import dev.arbiter.server.identity.Principal;
import io.javalin.http.Context;
import java.util.List;

/** A decision's grant for its proposer, and what gateways report about executions. */
final class ExecutionRoutes {
  private final DecisionEngine engine;
  private final DecisionRoutes decisions;

  ExecutionRoutes(DecisionEngine engine, DecisionRoutes decisions) {
    this.engine = engine;
    this.decisions = decisions;
  }

  void grant(Context ctx) throws EngineException {
    Principal p = principal(ctx);
    var d = engine.find(decisionId(ctx));
    // The proposer only: a grant is a bearer credential for one execution. A gateway gets grants from
    // the callers that present them; a gateway token that could fetch every authorised decision's
    // grant would let whoever holds it run any of them when they like.
    if (d.proposer().filter(p.subject()::equals).isEmpty()) {
      throw new EngineException.Forbidden("not-proposer", "only the proposer of decision `" + d.id() + "` may fetch its grant");
    }
    var issued = engine.grants().issue(d.id()).approvals().grant().orElseThrow();
    json(ctx, 200, JsonNodeFactory.instance.objectNode().put("grant", issued.compact()).put("grant_id", issued.grantId())
        .put("expires_at", issued.expiresAt().toString()));
  }

  /** Why a failed execution failed, as the gateway says; absent from older gateways, never on a confirmed one. */
  private static java.util.Optional<String> failureReason(JsonNode root, boolean confirmed) throws EngineException {
    JsonNode r = root.get("reason");
    if (r == null || r.isNull()) {
      return java.util.Optional.empty();
    }
    if (confirmed || !r.isTextual() || !FAILURE_REASONS.contains(r.asText())) {
      String shown = r.isTextual() && r.asText().length() <= 40 ? "`" + r.asText() + "`" : "this value";
      throw new EngineException.InvalidInput(List.of(new FieldError("invalid_field", "reason", shown,
          confirmed ? "no reason on a confirmed execution" : String.join(", ", FAILURE_REASONS))));
    }
    return java.util.Optional.of(r.asText());
  }

  /** A grant is a compact JWS string: anything else is a malformed request (400), not a refused grant. */
  private static void requireGrant(JsonNode root) throws EngineException {
    JsonNode g = root.get("grant");
    if (g == null || !g.isTextual() || g.asText().isEmpty()) {
      throw new EngineException.InvalidInput(List.of(new FieldError(g == null || g.isNull() ? "missing_field" : "invalid_field",
          "grant", g == null || g.isNull() ? "nothing" : "this value", "the grant, a compact JWS string")));
    }
  }

  /** The gateway's name for one call: 1 to 64 characters of [A-Za-z0-9_-]; required to give a start up. */
  private static java.util.Optional<String> attempt(JsonNode root, boolean required) throws EngineException {
    JsonNode a = root.get("attempt");
    if (a == null || a.isNull()) {
      if (required) {
        throw new EngineException.InvalidInput(List.of(new FieldError("missing_field", "attempt", "nothing",
            "the attempt the gateway named when it started the grant")));
      }
      return java.util.Optional.empty();
    }
    if (!a.isTextual() || !a.asText().matches("[A-Za-z0-9_-]{1,64}")) {
      throw new EngineException.InvalidInput(List.of(new FieldError("invalid_field", "attempt", "this value",
          "1 to 64 characters of A-Z, a-z, 0-9, '_' or '-'")));
    }
    return java.util.Optional.of(a.asText());
  }

  /** {@code execution.failed}'s reasons: the tool was never called, could not be reached (it may have run), or answered non-2xx. */
  private static final java.util.List<String> FAILURE_REASONS = List.of("not_forwarded", "upstream_unreachable", "upstream_status");

  void execution(Context ctx) throws EngineException {
    JsonNode root = strictObject(storedBody(ctx), java.util.Set.of("grant", "phase", "execution_id", "upstream_status",
        "duration_ms", "response_hash", "tool", "problem", "reason", "grant_id", "decision_id", "attempt"));
    String grant = root.path("grant").asText("");
    String phase = root.path("phase").asText("");
    if (phase.equals("refused")) {
      engine.executions().gatewayRefused(principal(ctx), text(root, "tool"), text(root, "problem"), text(root, "reason"),
          text(root, "grant_id"), text(root, "decision_id"));
      json(ctx, 201, JsonNodeFactory.instance.objectNode().put("recorded", true));
      return;
    }
    if (phase.equals("started")) {
      requireGrant(root);
      var started = engine.executions().started(principal(ctx), grant, attempt(root, false));
      var out = JsonNodeFactory.instance.objectNode().put("execution_id", started.executionId());
      var receipt = started.decision().receipt().orElseThrow();
      out.set("receipt", receipt.toJson());
      // The recorded event itself: the gateway checks the receipt is for this call's start before it
      // forwards anything (a 201 alone is a claim whatever answers at the engine's URL can make).
      out.set("event", engine.envelopeAt(receipt.leafIndex()));
      json(ctx, 201, out);
      return;
    }
    if (phase.equals("abandoned") || phase.equals("interrupted")) {
      // Only what a give-up says: another phase's fields here are a confused caller, not evidence to keep.
      strictObject(storedBody(ctx), java.util.Set.of("grant", "phase", "attempt"));
      requireGrant(root);
      String attempt = attempt(root, true).orElseThrow();
      var abandoned = phase.equals("abandoned") ? engine.executions().abandoned(principal(ctx), grant, attempt)
          : engine.executions().interrupted(principal(ctx), grant, attempt);
      var out = JsonNodeFactory.instance.objectNode().put("status", abandoned.decision().status().wireName());
      abandoned.closedExecution().ifPresentOrElse(e -> out.put("closed_execution_id", e),
          () -> out.putNull("closed_execution_id"));
      json(ctx, 200, out);
      return;
    }
    if (!phase.equals("confirmed") && !phase.equals("failed")) {
      throw new EngineException.InvalidInput(List.of(new FieldError("invalid_field", "phase", "`" + phase + "`",
          "started, confirmed, failed, abandoned, interrupted or refused")));
    }
    boolean confirmed = phase.equals("confirmed");
    var d = engine.executions().finished(principal(ctx), grant, root.path("execution_id").asText(""),
        confirmed, root.path("upstream_status").asInt(0), root.path("duration_ms").asLong(0),
        java.util.Optional.ofNullable(root.get("response_hash")).filter(JsonNode::isTextual).map(JsonNode::asText),
        failureReason(root, confirmed));
    var out = JsonNodeFactory.instance.objectNode().put("execution_id", root.path("execution_id").asText())
        .put("status", d.status().wireName());
    out.set("receipt", d.receipt().orElseThrow().toJson());
    json(ctx, 200, out);
  }
}
