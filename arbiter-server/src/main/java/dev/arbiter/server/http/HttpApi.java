package dev.arbiter.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.arbiter.core.decision.DecisionRequest;
import dev.arbiter.core.decision.DecisionRequests;
import dev.arbiter.core.decision.InvalidRequestException;
import dev.arbiter.server.config.ServerConfig;
import dev.arbiter.server.engine.CancelRequest;
import dev.arbiter.server.engine.DecisionEngine;
import dev.arbiter.server.engine.EngineException;
import dev.arbiter.server.engine.IdempotencyKey;
import dev.arbiter.server.engine.Submission;
import dev.arbiter.server.identity.Principal;
import dev.arbiter.server.identity.TokenRejectedException;
import dev.arbiter.core.decision.FieldError;
import java.util.List;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code /v1} HTTP API, wired explicitly: {@code POST /decisions}, {@code GET /decisions/{id}},
 * {@code POST /decisions/{id}/cancel}, {@code GET /health}, {@code GET /ready}. Handlers only read the
 * request, call the engine and render; every refusal is an {@link EngineException} turned into
 * problem+json in one place ({@link #problem}).
 */
public final class HttpApi {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  static final String PRINCIPAL = "arbiter.principal";
  private static final java.util.regex.Pattern APPROVAL_ROUTE =
      java.util.regex.Pattern.compile("/v1/decisions/(dec_[0-9A-HJKMNP-TV-Z]{26})/(approvals|rejections|challenge)");

  private final DecisionEngine engine;
  private final ServerConfig config;
  private final IdempotentResponses answers = new IdempotentResponses();

  private HttpApi(DecisionEngine engine, ServerConfig config) {
    this.engine = engine;
    this.config = config;
  }

  /** Creates (does not start) the Javalin app serving {@code engine}. */
  public static Javalin create(DecisionEngine engine, ServerConfig config) {
    HttpApi api = new HttpApi(engine, config);
    Javalin app = Javalin.create(cfg -> {
      cfg.showJavalinBanner = false;
      cfg.startupWatcherEnabled = false;
      cfg.useVirtualThreads = true;
      cfg.http.maxRequestSize = config.maxBodyBytes();
      cfg.http.prefer405over404 = true;
    });
    if (isLoopback(config.host())) {
      // A listener on loopback answers only requests addressed to loopback: a web page that
      // rebinds its own domain name to 127.0.0.1 (DNS rebinding) gets nothing.
      app.before(ctx -> {
        if (!loopbackHost(ctx.header("Host"))) {
          throw new HostNotAllowed();
        }
      });
      app.exception(HostNotAllowed.class, (e, ctx) -> problem(ctx,
          ProblemMapper.http(421, "this server answers only requests addressed to 127.0.0.1, localhost or [::1]"), null));
    }
    app.before("/v1/*", api::authenticate);
    app.post("/v1/decisions", api::submit);
    app.get("/v1/decisions", api::list);
    app.get("/v1/decisions/{id}", api::get);
    app.post("/v1/decisions/{id}/cancel", api::cancel);
    app.post("/v1/decisions/{id}/challenge", ctx -> api.idempotent(ctx, api::challenge));
    app.post("/v1/decisions/{id}/approvals", ctx -> api.idempotent(ctx, c -> api.approval(c, false)));
    app.post("/v1/decisions/{id}/rejections", ctx -> api.idempotent(ctx, c -> api.approval(c, true)));
    app.get("/v1/decisions/{id}/grant", api::grant);
    app.post("/v1/keys", ctx -> api.idempotent(ctx, api::enrol));
    app.post("/v1/keys/revoke", ctx -> api.idempotent(ctx, api::revoke));
    app.post("/v1/executions", ctx -> api.idempotent(ctx, api::execution));
    app.get("/v1/health", ctx -> json(ctx, 200, JsonNodeFactory.instance.objectNode().put("status", "ok")));
    app.get("/v1/ready", api::ready);
    app.exception(EngineException.class, (e, ctx) -> problem(ctx, ProblemMapper.of(e), e));
    app.exception(HttpResponseException.class, (e, ctx) -> problem(ctx, ProblemMapper.http(e.getStatus(), e.getMessage()), null));
    app.exception(Exception.class, (e, ctx) -> {
      LOG.error("unhandled failure on {} {}", ctx.method(), ctx.path(), e);
      problem(ctx, ProblemMapper.http(500, ""), null);
    });
    app.error(404, ctx -> {
      if (!Problem.CONTENT_TYPE.equals(ctx.res().getContentType())) {
        problem(ctx, ProblemMapper.http(404, "no route " + ctx.method() + " " + ctx.path()), null);
      }
    });
    app.error(405, ctx -> problem(ctx, ProblemMapper.http(405, ctx.method() + " is not allowed on " + ctx.path()), null));
    return app;
  }

  private static final class HostNotAllowed extends RuntimeException {
    HostNotAllowed() {
      super(null, null, false, false);
    }
  }

  public static boolean isLoopback(String host) {
    return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1") || host.equals("[::1]");
  }

  /** The Host header's name (port stripped) is a loopback name or address. */
  static boolean loopbackHost(String hostHeader) {
    if (hostHeader == null || hostHeader.isBlank()) {
      return false;
    }
    String h = hostHeader.trim().toLowerCase(java.util.Locale.ROOT);
    String name = h.startsWith("[") ? h.substring(0, h.indexOf(']') + 1) : h.contains(":") ? h.substring(0, h.indexOf(':')) : h;
    return name.equals("127.0.0.1") || name.equals("localhost") || name.equals("[::1]");
  }

  /**
   * Every {@code /v1} route but health and readiness needs a bearer token. A refused token on an
   * approval route is recorded on that decision; an unreachable IdP is recorded once per transition.
   */
  private void authenticate(Context ctx) throws EngineException {
    String path = ctx.path();
    if (path.equals("/v1/health") || path.equals("/v1/ready")) {
      return;
    }
    String header = ctx.header("Authorization");
    String token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
    try {
      if (token == null || token.isEmpty()) {
        throw new EngineException.Unauthenticated("missing", "an `Authorization: Bearer <access token>` header is required");
      }
      Principal p = engine.security().authenticator().authenticate(token);
      engine.identityHealth().available();
      ctx.attribute(PRINCIPAL, p);
    } catch (TokenRejectedException e) {
      if (e.reason() == TokenRejectedException.Reason.IDP_UNAVAILABLE) {
        engine.identityHealth().unavailable(e.getMessage());
        throw new EngineException.IdentityUnavailable("the identity provider cannot be reached; nothing is accepted on stale trust",
            config.retryAfter());
      }
      refuseOnApprovalRoute(path, e.reason().name().toLowerCase(java.util.Locale.ROOT));
      throw new EngineException.Unauthenticated(e.reason().name().toLowerCase(java.util.Locale.ROOT),
          "the access token was refused: " + e.reason().name().toLowerCase(java.util.Locale.ROOT));
    } catch (EngineException.Unauthenticated e) {
      refuseOnApprovalRoute(path, e.reason());
      throw e;
    }
  }

  private void refuseOnApprovalRoute(String path, String reason) {
    java.util.regex.Matcher m = APPROVAL_ROUTE.matcher(path);
    if (m.matches() && !m.group(2).equals("challenge")) {
      engine.approvals().unauthenticated(m.group(1), reason);
    }
  }

  private static Principal principal(Context ctx) {
    Principal p = ctx.attribute(PRINCIPAL);
    if (p == null) {
      throw new IllegalStateException("route reached without authentication");
    }
    return p;
  }

  /** A handler whose answer is remembered for the caller's Idempotency-Key (see {@link IdempotentResponses}). */
  private void idempotent(Context ctx, EngineHandler handler) throws EngineException {
    IdempotencyKey key = IdempotencyKey.of(ctx.header(IDEMPOTENCY_KEY));
    byte[] body = body(ctx);
    String slot = principal(ctx).subject() + " " + ctx.path() + " " + key.hash();
    String bodyHash = dev.arbiter.core.crypto.Sha256.prefixed(dev.arbiter.core.crypto.Sha256.digest(body));
    java.util.Optional<IdempotentResponses.Answer> prior = answers.find(slot);
    if (prior.isPresent()) {
      if (!prior.get().bodyHash().equals(bodyHash)) {
        throw new EngineException.Conflict("idempotency-conflict", "Idempotency-Key reused with a different request",
            "this Idempotency-Key was already used for a different request on " + ctx.path());
      }
      ctx.header("Idempotent-Replayed", "true");
      ctx.status(prior.get().status()).contentType(prior.get().contentType()).result(prior.get().body());
      return;
    }
    ctx.attribute("arbiter.body", body);
    handler.handle(ctx);
    byte[] result = ctx.resultInputStream() == null ? new byte[0] : readAll(ctx);
    answers.remember(slot, new IdempotentResponses.Answer(bodyHash, ctx.statusCode(), ctx.res().getContentType(), result));
    ctx.header("Idempotent-Replayed", "false");
    ctx.result(result);
  }

  private static byte[] readAll(Context ctx) {
    try (InputStream in = ctx.resultInputStream()) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @FunctionalInterface
  private interface EngineHandler {
    void handle(Context ctx) throws EngineException;
  }

  private static byte[] storedBody(Context ctx) {
    return ctx.attribute("arbiter.body");
  }

  private void list(Context ctx) throws EngineException {
    String status = ctx.queryParam("status");
    if (status != null && !status.equals("pending_authority")) {
      throw new EngineException.InvalidInput(List.of(new FieldError("unsupported_value", "query.status", status,
          "pending_authority")));
    }
    int limit = 100;
    String l = ctx.queryParam("limit");
    if (l != null) {
      try {
        limit = Integer.parseInt(l);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > 1000) {
        throw new EngineException.InvalidInput(List.of(new FieldError("out_of_range", "query.limit", l, "1 to 1000")));
      }
    }
    var body = JsonNodeFactory.instance.objectNode();
    var array = body.putArray("decisions");
    for (var d : engine.pendingDecisions(limit)) {
      if (mayRead(principal(ctx), d)) {
        array.add(decisionJson(d, false));
      }
    }
    json(ctx, 200, body);
  }

  private void challenge(Context ctx) throws EngineException {
    byte[] body = storedBody(ctx);
    String intent = dev.arbiter.core.approval.Challenge.APPROVE;
    if (body.length > 0) {
      JsonNode root;
      try {
        root = dev.arbiter.core.canonical.StrictJson.parse(body);
      } catch (RuntimeException e) {
        throw new EngineException.InvalidInput(List.of(new FieldError("invalid_json", "", "malformed JSON", "{\"intent\": \"approve\"|\"reject\"}")));
      }
      java.util.Set<String> names = new java.util.HashSet<>();
      root.fieldNames().forEachRemaining(names::add);
      JsonNode i = root.get("intent");
      if (!root.isObject() || !java.util.Set.of("intent").containsAll(names) || (i != null && !(i.isTextual()
          && (i.asText().equals("approve") || i.asText().equals("reject"))))) {
        throw new EngineException.InvalidInput(List.of(new FieldError("invalid_field", "intent", "an unexpected body",
            "{\"intent\": \"approve\"|\"reject\"} or an empty body")));
      }
      if (i != null) {
        intent = i.asText();
      }
    }
    var issued = engine.approvals().challenge(principal(ctx), decisionId(ctx), intent);
    var out = JsonNodeFactory.instance.objectNode();
    out.set("challenge", issued.challenge().toJson());
    out.put("signing_input", java.util.Base64.getEncoder().encodeToString(issued.challenge().signingInput()));
    if (mayRead(principal(ctx), issued.decision())) {
      out.set("decision", decisionJson(issued.decision(), false));
    }
    json(ctx, 201, out);
  }

  private void approval(Context ctx, boolean reject) throws EngineException {
    var submission = dev.arbiter.server.engine.ApprovalSubmission.parse(storedBody(ctx));
    var d = reject ? engine.approvals().reject(principal(ctx), decisionId(ctx), submission)
        : engine.approvals().approve(principal(ctx), decisionId(ctx), submission);
    json(ctx, 200, decisionJson(d, false));
  }

  private void grant(Context ctx) throws EngineException {
    Principal p = principal(ctx);
    var d = engine.find(decisionId(ctx));
    boolean gateway = p.roles().contains(engine.security().gatewayRole());
    if (!gateway && d.proposer().filter(p.subject()::equals).isEmpty()) {
      throw new EngineException.Forbidden("not-proposer", "only the proposer of decision `" + d.id() + "` may fetch its grant");
    }
    var issued = engine.grants().issue(d.id()).approvals().grant().orElseThrow();
    json(ctx, 200, JsonNodeFactory.instance.objectNode().put("grant", issued.compact()).put("grant_id", issued.grantId())
        .put("expires_at", issued.expiresAt().toString()));
  }

  private void enrol(Context ctx) throws EngineException {
    JsonNode root = strictObject(storedBody(ctx), java.util.Set.of("public_key"));
    JsonNode pem = root.get("public_key");
    if (pem == null || !pem.isTextual()) {
      throw new EngineException.InvalidInput(List.of(new FieldError("missing_field", "public_key", "nothing", "an SPKI PEM public key")));
    }
    var e = engine.keys().enrol(principal(ctx), pem.asText());
    json(ctx, e.existing() ? 200 : 201, JsonNodeFactory.instance.objectNode().put("key_id", e.key().id().value())
        .put("subject", e.key().subject()).put("algorithm", e.key().key().algorithm().wireName())
        .put("enrolled_at", e.key().enrolledAt().toString()));
  }

  private void revoke(Context ctx) throws EngineException {
    JsonNode root = strictObject(storedBody(ctx), java.util.Set.of("key_id"));
    dev.arbiter.core.crypto.KeyId id;
    try {
      id = new dev.arbiter.core.crypto.KeyId(root.path("key_id").asText(""));
    } catch (IllegalArgumentException e) {
      throw new EngineException.InvalidInput(List.of(new FieldError("invalid_key_id", "key_id", "not a key id",
          "`sha256:` + 64 lowercase hex digits")));
    }
    var k = engine.keys().revoke(principal(ctx), id);
    json(ctx, 200, JsonNodeFactory.instance.objectNode().put("key_id", k.id().value())
        .put("revoked_at", k.revokedAt().orElseThrow().toString()));
  }

  private void execution(Context ctx) throws EngineException {
    JsonNode root = strictObject(storedBody(ctx), java.util.Set.of("grant", "phase", "execution_id", "upstream_status",
        "duration_ms", "response_hash", "tool", "problem", "reason", "grant_id", "decision_id"));
    String grant = root.path("grant").asText("");
    String phase = root.path("phase").asText("");
    if (phase.equals("refused")) {
      engine.executions().gatewayRefused(principal(ctx), text(root, "tool"), text(root, "problem"), text(root, "reason"),
          text(root, "grant_id"), text(root, "decision_id"));
      json(ctx, 201, JsonNodeFactory.instance.objectNode().put("recorded", true));
      return;
    }
    if (phase.equals("started")) {
      var started = engine.executions().started(principal(ctx), grant);
      var out = JsonNodeFactory.instance.objectNode().put("execution_id", started.executionId());
      out.set("receipt", started.decision().receipt().orElseThrow());
      json(ctx, 201, out);
      return;
    }
    if (!phase.equals("confirmed") && !phase.equals("failed")) {
      throw new EngineException.InvalidInput(List.of(new FieldError("invalid_field", "phase", "`" + phase + "`",
          "started, confirmed or failed")));
    }
    var d = engine.executions().finished(principal(ctx), grant, root.path("execution_id").asText(""),
        phase.equals("confirmed"), root.path("upstream_status").asInt(0), root.path("duration_ms").asLong(0),
        java.util.Optional.ofNullable(root.get("response_hash")).filter(JsonNode::isTextual).map(JsonNode::asText));
    var out = JsonNodeFactory.instance.objectNode().put("execution_id", root.path("execution_id").asText())
        .put("status", d.status().wireName());
    out.set("receipt", d.receipt().orElseThrow());
    json(ctx, 200, out);
  }

  private static String text(JsonNode root, String field) {
    JsonNode n = root.get(field);
    return n == null || !n.isTextual() ? null : n.asText();
  }

  private static JsonNode strictObject(byte[] body, java.util.Set<String> allowed) throws EngineException.InvalidInput {
    JsonNode root;
    try {
      root = dev.arbiter.core.canonical.StrictJson.parse(body);
    } catch (RuntimeException e) {
      throw new EngineException.InvalidInput(List.of(new FieldError("invalid_json", "", "malformed JSON", "a JSON object")));
    }
    if (!root.isObject()) {
      throw new EngineException.InvalidInput(List.of(new FieldError("wrong_type", "", "not an object", "a JSON object")));
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

  private com.fasterxml.jackson.databind.node.ObjectNode decisionJson(dev.arbiter.server.engine.DecisionState d,
      boolean withGrant) {
    return DecisionJson.of(d, engine.approvals().quorum(d), withGrant);
  }

  private void submit(Context ctx) throws EngineException {
    IdempotencyKey key = IdempotencyKey.of(ctx.header(IDEMPOTENCY_KEY));
    DecisionRequest request;
    try {
      request = DecisionRequests.parse(body(ctx));
    } catch (InvalidRequestException e) {
      throw new EngineException.InvalidInput(e.errors());
    }
    Principal caller = principal(ctx);
    if (request.context().actorId().filter(a -> !a.equals(caller.subject())).isPresent()) {
      throw new EngineException.Forbidden("actor-mismatch", "context.actor.id must be the authenticated caller's subject");
    }
    Submission s = engine.submit(request, key);
    if (!s.replayed()) {
      ctx.header("Location", "/v1/decisions/" + s.decision().id());
    }
    respond(ctx, s, s.replayed() ? 200 : 201);
  }

  private void get(Context ctx) throws EngineException {
    var d = engine.find(decisionId(ctx));
    if (!mayRead(principal(ctx), d)) {
      throw new EngineException.Forbidden("forbidden", "only the proposer, approvers whose roles cover the decision's domain"
          + " and gateways may read decision `" + d.id() + "`");
    }
    json(ctx, 200, decisionJson(d, false));
  }

  /** Who may read a decision: its proposer, a gateway, or a caller with a mapped role in its domain. */
  private boolean mayRead(Principal p, dev.arbiter.server.engine.DecisionState d) {
    return d.proposer().filter(p.subject()::equals).isPresent()
        || p.roles().contains(engine.security().gatewayRole())
        || !p.rolesIn(engine.security().domainOf(d.actionClass())).isEmpty();
  }

  private static final java.util.regex.Pattern DECISION_ID = java.util.regex.Pattern.compile("dec_[0-9A-HJKMNP-TV-Z]{26}");

  /** Only decision streams are decisions: anything else (e.g. `sys:policy`) is not found. */
  private static String decisionId(Context ctx) throws EngineException {
    String id = ctx.pathParam("id");
    if (!DECISION_ID.matcher(id).matches()) {
      throw new EngineException.NotFound(id.length() > 64 ? id.substring(0, 64) + "…" : id);
    }
    return id;
  }

  private void cancel(Context ctx) throws EngineException {
    IdempotencyKey key = IdempotencyKey.of(ctx.header(IDEMPOTENCY_KEY));
    CancelRequest request = CancelRequest.parse(body(ctx), principal(ctx).subject());
    respond(ctx, engine.cancel(decisionId(ctx), request, key), 200);
  }

  private void ready(Context ctx) {
    boolean ready = engine.ready();
    var body = JsonNodeFactory.instance.objectNode().put("status", ready ? "ready" : "not_ready");
    body.putObject("policy").put("hash", engine.activePolicy().hash()).put("version", engine.activePolicy().version());
    json(ctx, ready ? 200 : 503, body);
  }

  /** A proposer's own answer: it carries the grant of an allowed decision. */
  private void respond(Context ctx, Submission s, int status) {
    ctx.header("Idempotent-Replayed", Boolean.toString(s.replayed()));
    json(ctx, status, decisionJson(s.decision(), true));
  }

  /** Reads at most the configured limit (whatever Content-Length claims); more is a 413. */
  private byte[] body(Context ctx) throws EngineException.TooLarge {
    long declared = ctx.contentLength();
    if (declared > config.maxBodyBytes()) {
      throw new EngineException.TooLarge(declared, config.maxBodyBytes());
    }
    try (InputStream in = ctx.req().getInputStream()) {
      byte[] body = in.readNBytes(config.maxBodyBytes() + 1);
      if (body.length > config.maxBodyBytes()) {
        throw new EngineException.TooLarge(-1, config.maxBodyBytes());
      }
      return body;
    } catch (IOException e) {
      throw new HttpResponseException(400, "the request body could not be read");
    }
  }

  private static void problem(Context ctx, Problem p, EngineException cause) {
    if (cause instanceof EngineException.Degraded d) {
      ctx.header("Retry-After", Long.toString(Math.max(1, d.retryAfter().toSeconds())));
      LOG.warn("answered queue on {} {}: {}", ctx.method(), ctx.path(), d.getMessage());
    } else if (cause instanceof EngineException.IdentityUnavailable u) {
      ctx.header("Retry-After", Long.toString(Math.max(1, u.retryAfter().toSeconds())));
    } else if (cause instanceof EngineException.RateLimited l) {
      ctx.header("Retry-After", Long.toString(Math.max(1, l.retryAfter().toSeconds())));
    }
    ctx.status(p.status());
    ctx.contentType(Problem.CONTENT_TYPE);
    ctx.result(write(p.toJson()));
  }

  private static void json(Context ctx, int status, JsonNode body) {
    ctx.status(status);
    ctx.contentType("application/json");
    ctx.result(write(body));
  }

  private static byte[] write(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
