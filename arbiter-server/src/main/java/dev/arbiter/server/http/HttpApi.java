package dev.arbiter.server.http;

import static dev.arbiter.server.http.Requests.json;
import static dev.arbiter.server.http.Requests.principal;
import static dev.arbiter.server.http.Requests.write;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.arbiter.server.config.ServerConfig;
import dev.arbiter.server.engine.DecisionEngine;
import dev.arbiter.server.engine.EngineException;
import dev.arbiter.server.engine.IdempotencyKey;
import dev.arbiter.server.identity.Principal;
import dev.arbiter.server.identity.TokenRejectedException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code /v1} HTTP API, wired explicitly here; the handlers are in {@link DecisionRoutes},
 * {@link ApprovalRoutes} and {@link ExecutionRoutes}. This class owns what is common: the loopback
 * Host check, authentication of every call, remembered answers for idempotent POSTs, the body limit,
 * and problem+json for every refusal ({@link #problem}).
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

  /** Slowest request body accepted, in bytes per second over the whole body (as the gateway's). */
  static final long MIN_REQUEST_DATA_RATE = 1024;

  /** Creates (does not start) the Javalin app serving {@code engine}. */
  public static Javalin create(DecisionEngine engine, ServerConfig config) {
    HttpApi api = new HttpApi(engine, config);
    Javalin app = Javalin.create(cfg -> {
      cfg.showJavalinBanner = false;
      cfg.startupWatcherEnabled = false;
      cfg.useVirtualThreads = true;
      dev.arbiter.http.AcceptQueue.apply(cfg);
      new dev.arbiter.http.JettyProblems((status, detail) -> ProblemMapper.http(status, detail).bytes()).installOn(cfg);
      cfg.http.maxRequestSize = config.maxBodyBytes();
      cfg.http.prefer405over404 = true;
      // Javalin copies every answer into Jetty's output through a buffer of this size, allocated per
      // response; left unset it is Jetty's 32 KiB output buffer, more than a decision's whole answer
      // (~9 KB) and ~10% of the engine's allocation per decision (BENCHMARKS.md).
      cfg.http.responseBufferSize = 4096;
      // Jetty's per-connection header cache matches each header line against earlier ones; with a
      // ~1 KB bearer token on every request that lookup cost more than the rest of the parsing.
      cfg.jetty.modifyHttpConfiguration(http -> {
        http.setHeaderCacheSize(0);
        // A body sent a few bytes at a time (each read within the idle timeout) would otherwise hold a
        // request for as long as its sender likes; 1 KiB/s over the whole body is slower than any client.
        http.setMinRequestDataRate(MIN_REQUEST_DATA_RATE);
      });
    });
    if (dev.arbiter.http.Loopback.isLoopback(config.host())) {
      // A listener on loopback answers only requests addressed to loopback: a web page that
      // rebinds its own domain name to 127.0.0.1 (DNS rebinding) gets nothing.
      app.before(ctx -> {
        if (!dev.arbiter.http.Loopback.isLoopbackHostHeader(ctx.header("Host"))) {
          throw new HostNotAllowed();
        }
      });
      app.exception(HostNotAllowed.class, (e, ctx) -> problem(ctx,
          ProblemMapper.http(421, "this server answers only requests addressed to 127.0.0.1, localhost or [::1]"), null));
    }
    DecisionRoutes decisions = new DecisionRoutes(engine, api);
    ApprovalRoutes approvals = new ApprovalRoutes(engine, decisions);
    ExecutionRoutes executions = new ExecutionRoutes(engine, decisions);
    app.before("/v1/*", api::authenticate);
    app.before("/v1/*", ctx -> {
      // After an integrity failure, reading what was recorded stays possible; anything that may append
      // waits for an operator. (One volatile read per request while the ledger is intact.)
      if (engine.integrity().failed()) {
        boolean readOnly = ctx.method() == io.javalin.http.HandlerType.GET && READ_ONLY_ROUTE.matcher(ctx.path()).matches();
        if (!readOnly && !ctx.path().equals("/v1/health") && !ctx.path().equals("/v1/ready")) {
          engine.requireIntactLedger();
        }
      }
    });
    app.post("/v1/decisions", decisions::submit);
    getAndHead(app, "/v1/decisions", decisions::list);
    getAndHead(app, "/v1/decisions/{id}", decisions::get);
    app.post("/v1/decisions/{id}/cancel", decisions::cancel);
    app.post("/v1/decisions/{id}/challenge", ctx -> api.idempotent(ctx, approvals::challenge));
    app.post("/v1/decisions/{id}/approvals", ctx -> api.idempotent(ctx, c -> approvals.approval(c, false)));
    app.post("/v1/decisions/{id}/rejections", ctx -> api.idempotent(ctx, c -> approvals.approval(c, true)));
    getAndHead(app, "/v1/decisions/{id}/grant", executions::grant);
    app.post("/v1/keys", ctx -> api.idempotent(ctx, approvals::enrol));
    app.post("/v1/keys/challenge", ctx -> api.idempotent(ctx, approvals::keyChallenge));
    app.post("/v1/keys/revoke", ctx -> api.idempotent(ctx, approvals::revoke));
    app.post("/v1/executions", ctx -> api.idempotent(ctx, executions::execution));
    getAndHead(app, "/v1/ledger/checkpoint", ctx -> {
      // Any authenticated caller: a checkpoint is hashes, a size and a signature, and the more parties
      // keep one, the fewer can deny a rewrite later. Never cached: the next one extends it.
      ctx.header("Cache-Control", "no-store");
      json(ctx, 200, engine.latestCheckpoint().toJson());
    });
    getAndHead(app, "/v1/health", ctx -> {
      // Alive says nothing about trust: a ledger that failed its check is named here too.
      var body = JsonNodeFactory.instance.objectNode().put("status", "ok");
      engine.integrity().failure().ifPresent(f -> body.putObject("ledger_integrity").put("status", "failed").put("detail", f));
      json(ctx, 200, body);
    });
    getAndHead(app, "/v1/ready", api::ready);
    app.exception(EngineException.class, (e, ctx) -> problem(ctx, ProblemMapper.of(e), e));
    app.exception(HttpResponseException.class, (e, ctx) -> problem(ctx, ProblemMapper.http(e.getStatus(), routeProblem(ctx, e)), null));
    app.exception(Exception.class, (e, ctx) -> {
      LOG.error("unhandled failure on {} {}", ctx.method(), ctx.path(), e);
      problem(ctx, ProblemMapper.http(500, ""), null);
    });
    app.error(404, ctx -> {
      if (!Problem.CONTENT_TYPE.equals(ctx.res().getContentType())) {
        problem(ctx, ProblemMapper.http(404, "no route " + ctx.method() + " " + shownPath(ctx)), null);
      }
    });
    app.error(405, ctx -> problem(ctx, ProblemMapper.http(405, ctx.method() + " is not allowed on " + shownPath(ctx)), null));
    return app;
  }

  /**
   * A GET route that HEAD reaches too, through the same handler (Jetty sends the head without the
   * body). Left to Javalin, a HEAD on a GET route answered 200 without running it: a HEAD for a
   * decision that does not exist, or without the right to read it, said it was there.
   */
  private static void getAndHead(Javalin app, String path, io.javalin.http.Handler handler) {
    app.get(path, handler);
    app.head(path, handler);
  }

  private static final class HostNotAllowed extends RuntimeException {
    HostNotAllowed() {
      super(null, null, false, false);
    }
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
      var all = ctx.req().getHeaders("Authorization");
      if (all != null && all.hasMoreElements() && all.nextElement() != null && all.hasMoreElements()) {
        // Which credential counts would depend on the parser (the first, the last, both joined): one only.
        throw new EngineException.Unauthenticated("ambiguous", "send exactly one `Authorization` header");
      }
      Principal p = engine.security().authenticator().authenticate(token);
      if (engine.security().authenticator().issuerReachable()) {
        engine.identityHealth().available();
      }
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


  /** Javalin's own 404 and 405 ("Endpoint GET /v1/… not found") quote the path unchecked: ours do not. */
  private static String routeProblem(Context ctx, HttpResponseException e) {
    return switch (e.getStatus()) {
      case 404 -> "no route " + ctx.method() + " " + shownPath(ctx);
      case 405 -> ctx.method() + " is not allowed on " + shownPath(ctx);
      default -> e.getMessage();
    };
  }

  /** The request's path as an answer may echo it: a path can carry a token pasted as an id. */
  private static String shownPath(Context ctx) {
    return dev.arbiter.core.decision.FieldError.quoted(ctx.path(), "a path");
  }

  /** One request at a time per idempotency slot; copies sent meanwhile get its answer. */
  private final InFlightRequests inFlight = new InFlightRequests(java.time.Duration.ofSeconds(30));

  /** A handler whose answer is remembered for the caller's Idempotency-Key (see {@link IdempotentResponses}). */
  private void idempotent(Context ctx, EngineHandler handler) throws EngineException {
    IdempotencyKey key = IdempotencyKey.ofHeaders(ctx.req().getHeaders(IDEMPOTENCY_KEY));
    byte[] body = body(ctx);
    String slot = principal(ctx).subject() + " " + ctx.path() + " " + key.hash();
    String bodyHash = dev.arbiter.core.crypto.Sha256.prefixed(dev.arbiter.core.crypto.Sha256.digest(body));
    inFlight.run(slot, bodyHash, () -> replayed(ctx, slot, bodyHash), () -> {
      ctx.attribute("arbiter.body", body);
      handler.handle(ctx);
      byte[] result = ctx.resultInputStream() == null ? new byte[0] : readAll(ctx);
      answers.remember(principal(ctx).subject(), slot,
          new IdempotentResponses.Answer(bodyHash, ctx.statusCode(), ctx.res().getContentType(), result));
      ctx.header("Idempotent-Replayed", "false");
      ctx.result(result);
    });
  }

  /** Answers from the remembered answer of {@code slot}, if any; a conflict when it was for another body. */
  private boolean replayed(Context ctx, String slot, String bodyHash) throws EngineException {
    java.util.Optional<IdempotentResponses.Answer> prior = answers.find(slot);
    if (prior.isEmpty()) {
      return false;
    }
    if (!prior.get().bodyHash().equals(bodyHash)) {
      throw new EngineException.Conflict("idempotency-conflict", "Idempotency-Key reused with a different request",
          "this Idempotency-Key was already used for a different request on " + shownPath(ctx));
    }
    ctx.header("Idempotent-Replayed", "true");
    ctx.status(prior.get().status()).contentType(prior.get().contentType()).result(prior.get().body());
    return true;
  }

  private static byte[] readAll(Context ctx) {
    try (InputStream in = ctx.resultInputStream()) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @FunctionalInterface
  interface EngineHandler {
    void handle(Context ctx) throws EngineException;
  }

  /**
   * Routes that never append: a decision, the listing (a grant's GET may issue one), and the latest
   * checkpoint (signed by this engine over what it wrote, so still true when a row read back was not).
   */
  private static final java.util.regex.Pattern READ_ONLY_ROUTE =
      java.util.regex.Pattern.compile("/v1/decisions(/[^/]+)?|/v1/ledger/checkpoint");

  private void ready(Context ctx) {
    boolean ready = engine.ready();
    var body = JsonNodeFactory.instance.objectNode().put("status", ready ? "ready" : "not_ready");
    body.putObject("policy").put("hash", engine.activePolicy().hash()).put("version", engine.activePolicy().version());
    var integrity = body.putObject("ledger_integrity");
    switch (engine.integrity().status()) {
      case dev.arbiter.server.engine.StartupVerification.Status.Verified v -> {
        integrity.put("status", "verified").put("entries", v.entries()).put("verified_at", v.at().toString())
            .put("scope", v.atStart() ? "at_start" : "periodic");
        if (!v.warnings().isEmpty()) {
          var warnings = integrity.putArray("warnings");
          v.warnings().forEach(warnings::add);
        }
      }
      case dev.arbiter.server.engine.StartupVerification.Status.Failed f ->
          integrity.put("status", "failed").put("detail", f.summary());
      case dev.arbiter.server.engine.StartupVerification.Status.Skipped k -> integrity.put("status", "not_checked");
    }
    // Shown, not part of the status: a degraded identity provider clears only when a token verifies
    // again, which an engine taken out of rotation for it would never see.
    body.putObject("identity").put("status", engine.identityHealth().degraded() ? "degraded" : "ok");
    json(ctx, ready ? 200 : 503, body);
  }


  /** Reads at most the configured limit (whatever Content-Length claims); more is a 413. */
  byte[] body(Context ctx) throws EngineException.TooLarge {
    long declared = ctx.req().getContentLengthLong(); // ctx.contentLength() is an int: -1 past 2 GiB
    if (declared > config.maxBodyBytes()) {
      throw new EngineException.TooLarge(declared, config.maxBodyBytes());
    }
    try (InputStream in = ctx.req().getInputStream()) {
      if (declared >= 0) {
        // Exactly the declared size (Jetty delivers no more than Content-Length): reading up to the
        // limit instead allocated a 16 KiB chunk per request for bodies of a few hundred bytes.
        byte[] body = in.readNBytes((int) declared);
        if (body.length != declared) {
          throw new HttpResponseException(400, "the request body ended before its Content-Length");
        }
        return body;
      }
      byte[] body = in.readNBytes(config.maxBodyBytes() + 1);
      if (body.length > config.maxBodyBytes()) {
        throw new EngineException.TooLarge(-1, config.maxBodyBytes());
      }
      return body;
    } catch (IOException e) {
      throw new HttpResponseException(400, "the request body could not be read");
    } catch (org.eclipse.jetty.http.BadMessageException e) {
      // Jetty's own verdict on the body, e.g. 408 when it arrives slower than MIN_REQUEST_DATA_RATE
      throw new HttpResponseException(e.getCode(), "the request body could not be read: " + e.getReason());
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
    } else if (cause instanceof EngineException.LedgerIntegrityFailed f) {
      LOG.warn("refused {} {}: {}", ctx.method(), ctx.path(), f.getMessage());
    }
    ctx.status(p.status());
    ctx.contentType(Problem.CONTENT_TYPE);
    ctx.result(write(p.toJson()));
  }
}
