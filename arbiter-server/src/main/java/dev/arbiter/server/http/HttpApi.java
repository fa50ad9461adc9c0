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

  private final DecisionEngine engine;
  private final ServerConfig config;

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
    app.post("/v1/decisions", api::submit);
    app.get("/v1/decisions/{id}", api::get);
    app.post("/v1/decisions/{id}/cancel", api::cancel);
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

  private void submit(Context ctx) throws EngineException {
    IdempotencyKey key = IdempotencyKey.of(ctx.header(IDEMPOTENCY_KEY));
    DecisionRequest request;
    try {
      request = DecisionRequests.parse(body(ctx));
    } catch (InvalidRequestException e) {
      throw new EngineException.InvalidInput(e.errors());
    }
    Submission s = engine.submit(request, key);
    if (!s.replayed()) {
      ctx.header("Location", "/v1/decisions/" + s.decision().id());
    }
    respond(ctx, s, s.replayed() ? 200 : 201);
  }

  private void get(Context ctx) throws EngineException {
    json(ctx, 200, DecisionJson.of(engine.find(decisionId(ctx))));
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
    CancelRequest request = CancelRequest.parse(body(ctx));
    respond(ctx, engine.cancel(decisionId(ctx), request, key), 200);
  }

  private void ready(Context ctx) {
    boolean ready = engine.ready();
    var body = JsonNodeFactory.instance.objectNode().put("status", ready ? "ready" : "not_ready");
    body.putObject("policy").put("hash", engine.activePolicy().hash()).put("version", engine.activePolicy().version());
    json(ctx, ready ? 200 : 503, body);
  }

  private static void respond(Context ctx, Submission s, int status) {
    ctx.header("Idempotent-Replayed", Boolean.toString(s.replayed()));
    json(ctx, status, DecisionJson.of(s.decision()));
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
