package dev.arbiter.server.http;

import static dev.arbiter.server.http.Requests.decisionId;
import static dev.arbiter.server.http.Requests.principal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.arbiter.core.decision.DecisionRequest;
import dev.arbiter.core.decision.DecisionRequests;
import dev.arbiter.core.decision.FieldError;
import dev.arbiter.core.decision.InvalidRequestException;
import dev.arbiter.server.engine.CancelRequest;
import dev.arbiter.server.engine.DecisionEngine;
import dev.arbiter.server.engine.EngineException;
import dev.arbiter.server.engine.IdempotencyKey;
import dev.arbiter.server.engine.Submission;
import dev.arbiter.server.identity.Principal;
import io.javalin.http.Context;
import java.util.List;

/**
 * {@code POST /v1/decisions}, {@code GET /v1/decisions[/{id}]}, cancel; and who may read a decision
 * (its proposer, gateways, callers with a mapped role in its domain).
 */
final class DecisionRoutes {
  private final DecisionEngine engine;
  private final HttpApi api;

  DecisionRoutes(DecisionEngine engine, HttpApi api) {
    this.engine = engine;
    this.api = api;
  }

  void submit(Context ctx) throws EngineException {
    IdempotencyKey key = IdempotencyKey.ofHeaders(ctx.req().getHeaders(HttpApi.IDEMPOTENCY_KEY));
    Principal caller = principal(ctx);
    engine.submissions().admit(caller.subject(), key); // before the body is read: refusals stay cheap
    DecisionRequest request;
    try {
      request = DecisionRequests.parse(api.body(ctx));
    } catch (InvalidRequestException e) {
      throw new EngineException.InvalidInput(e.errors());
    }
    if (request.context().actorId().filter(a -> !a.equals(caller.subject())).isPresent()) {
      throw new EngineException.Forbidden("actor-mismatch", "context.actor.id must be the authenticated caller's subject");
    }
    Submission s = engine.submit(request, key, caller.subject());
    engine.submissions().recorded(caller.subject(), s);
    if (!s.replayed()) {
      ctx.header("Location", "/v1/decisions/" + s.decision().id());
    }
    respond(ctx, s, s.replayed() ? 200 : 201);
  }

  /** The most decisions one listing answers; a larger {@code limit} is clamped to it (the answer's {@code limit} says so). */
  static final int MAX_LIST = 100;

  /**
   * {@code GET /v1/decisions?status=pending_authority&limit=N}: {@code {"decisions": [summary...],
   * "limit": n}}, the oldest pending decisions the caller may read, as {@link DecisionJson#summary
   * summaries}; {@code limit} is any integer from 1 (default and most: {@value #MAX_LIST}).
   */
  void list(Context ctx) throws EngineException {
    String status = ctx.queryParam("status");
    if (status != null && !status.equals("pending_authority")) {
      throw new EngineException.InvalidInput(List.of(new FieldError("unsupported_value", "query.status", status,
          "pending_authority")));
    }
    int limit = MAX_LIST;
    String l = ctx.queryParam("limit");
    if (l != null) {
      try {
        limit = (int) Math.min(Long.parseLong(l), Integer.MAX_VALUE); // any larger integer is clamped below
      } catch (NumberFormatException e) {
        limit = l.matches("[0-9]{19,}") ? Integer.MAX_VALUE : -1; // beyond a long is still "large"
      }
      if (limit < 1) {
        throw new EngineException.InvalidInput(List.of(new FieldError("out_of_range", "query.limit", l,
            "an integer of at least 1 (at most " + MAX_LIST + " are listed)")));
      }
      limit = Math.min(limit, MAX_LIST);
    }
    var body = JsonNodeFactory.instance.objectNode();
    var array = body.putArray("decisions");
    Principal caller = principal(ctx);
    for (var d : engine.pendingDecisions(limit, (actionClass, proposer) -> mayRead(caller, actionClass, proposer))) {
      array.add(DecisionJson.summary(d, engine.approvals()));
    }
    body.put("limit", limit);
    Requests.stream(ctx, 200, body);
  }

  void get(Context ctx) throws EngineException {
    var d = engine.find(decisionId(ctx));
    if (!mayRead(principal(ctx), d)) {
      throw new EngineException.Forbidden("forbidden", "only the proposer, approvers whose roles cover the decision's domain"
          + " and gateways may read decision `" + d.id() + "`");
    }
    Requests.stream(ctx, 200, decisionJson(d, false));
  }

  /** Who may read a decision: its proposer, a gateway, or a caller with a mapped role in its domain. */
  boolean mayRead(Principal p, dev.arbiter.server.engine.DecisionState d) {
    return mayRead(p, d.actionClass(), d.proposer());
  }

  /** The proposer, approvers whose roles cover the action class's domain, and gateways. */
  private boolean mayRead(Principal p, String actionClass, java.util.Optional<String> proposer) {
    return dev.arbiter.server.engine.DecisionReaders.mayRead(engine.security(), p, actionClass, proposer);
  }

  void cancel(Context ctx) throws EngineException {
    IdempotencyKey key = IdempotencyKey.ofHeaders(ctx.req().getHeaders(HttpApi.IDEMPOTENCY_KEY));
    String id = decisionId(ctx);
    CancelRequest request;
    try {
      request = CancelRequest.parse(api.body(ctx), principal(ctx).subject());
    } catch (EngineException.InvalidInput e) {
      engine.malformedCancel(principal(ctx), id, e.errors());
      throw e;
    }
    respond(ctx, engine.cancel(principal(ctx), id, request, key), 200);
  }

  com.fasterxml.jackson.databind.node.ObjectNode decisionJson(dev.arbiter.server.engine.DecisionState d,
      boolean withGrant) {
    return DecisionJson.of(d, engine.approvals(), withGrant);
  }

  /** A proposer's own answer: it carries the grant of an allowed decision. */
  void respond(Context ctx, Submission s, int status) {
    ctx.header("Idempotent-Replayed", Boolean.toString(s.replayed()));
    Requests.stream(ctx, status, decisionJson(s.decision(), true));
  }
}
