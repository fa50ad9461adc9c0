package dev.arbiter.gateway.http;

import io.javalin.Javalin;
import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP plumbing the gateway and the sample tool share: every failure as problem+json, and the
 * loopback Host check (as in the engine's {@code HttpApi}).
 */
public final class HttpProblems {
  private static final Logger LOG = LoggerFactory.getLogger(HttpProblems.class);

  private static final String GATEWAY_FAILED = "the server failed; nothing was forwarded";

  /** Maps {@link Refusal}s, Javalin's own errors and anything unexpected to problem+json (the gateway's wording). */
  public static void install(Javalin app) {
    install(app, GATEWAY_FAILED);
  }

  /**
   * As {@link #install(Javalin)}, with the detail of a 500 (what the caller may assume: the gateway's
   * "nothing was forwarded" is not the sample tool's to say).
   */
  public static void install(Javalin app, String internalErrorDetail) {
    app.exception(Refusal.class, (e, ctx) -> {
      if (e.kind() == Refusal.Kind.GATEWAY_STOPPING) {
        // Nothing was burned or forwarded: the same call, a moment later (another instance, or this one
        // restarted), can run. The other 503s spent or may have spent the grant: no invitation to retry it.
        ctx.header("Retry-After", "2");
      }
      e.problem().writeTo(ctx);
    });
    app.exception(HttpResponseException.class, (e, ctx) -> http(e.getStatus(), switch (e.getStatus()) {
      // Javalin's own 404 and 405 ("Endpoint GET /… not found") quote the path unchecked.
      case 404 -> "no route " + ctx.method() + " " + shownPath(ctx);
      case 405 -> ctx.method() + " is not allowed on " + shownPath(ctx);
      default -> e.getMessage();
    }).writeTo(ctx));
    app.exception(Exception.class, (e, ctx) -> {
      LOG.error("unhandled failure on {} {}", ctx.method(), ctx.path(), e);
      Problem.of("internal-error", "Internal error", 500, internalErrorDetail).writeTo(ctx);
    });
    app.error(404, ctx -> {
      if (!Problem.CONTENT_TYPE.equals(ctx.res().getContentType())) {
        http(404, "no route " + ctx.method() + " " + shownPath(ctx)).writeTo(ctx);
      }
    });
    app.error(405, ctx -> http(405, ctx.method() + " is not allowed on " + shownPath(ctx)).writeTo(ctx));
  }

  /**
   * On a loopback listener, answers only requests addressed to loopback: a web page that rebinds its
   * own domain name to 127.0.0.1 (DNS rebinding) gets nothing.
   */
  public static void requireLoopbackHost(Javalin app, String listenHost) {
    if (!dev.arbiter.http.Loopback.isLoopback(listenHost)) {
      return;
    }
    app.before(ctx -> {
      if (!dev.arbiter.http.Loopback.isLoopbackHostHeader(ctx.header("Host"))) {
        throw new HostNotAllowed();
      }
    });
    app.exception(HostNotAllowed.class, (e, ctx) ->
        http(421, "this server answers only requests addressed to 127.0.0.1, localhost or [::1]").writeTo(ctx));
  }

  /** The request's path as an answer may echo it: never a token pasted into it (as the engine's errors). */
  private static String shownPath(io.javalin.http.Context ctx) {
    return dev.arbiter.core.decision.FieldError.quoted(ctx.path(), "a path");
  }

  static Problem http(int status, String detail) {
    dev.arbiter.http.StatusProblem p = dev.arbiter.http.StatusProblem.of(status);
    return Problem.of(p.slug(), p.title(), p.status(), p.serverFailure() ? GATEWAY_FAILED : detail);
  }

  /** The gateway's (and the sample tool's) problem+json for Jetty's own refusals. */
  public static dev.arbiter.http.JettyProblems jettyProblems() {
    return new dev.arbiter.http.JettyProblems((status, detail) -> http(status, detail).bytes());
  }

  private static final class HostNotAllowed extends RuntimeException {
    HostNotAllowed() {
      super(null, null, false, false);
    }
  }

  /** Reads at most {@code max} bytes of the body (whatever Content-Length claims); more is a 413. */
  public static byte[] body(io.javalin.http.Context ctx, int max) throws Refusal {
    long declared = ctx.req().getContentLengthLong(); // ctx.contentLength() is an int: -1 past 2 GiB
    if (declared > max) {
      throw new Refusal(Refusal.Kind.PAYLOAD_TOO_LARGE, "body of " + declared + " bytes exceeds " + max, null);
    }
    try (var in = ctx.req().getInputStream()) {
      byte[] body = in.readNBytes(max + 1);
      if (body.length > max) {
        throw new Refusal(Refusal.Kind.PAYLOAD_TOO_LARGE, "body exceeds " + max + " bytes", null);
      }
      return body;
    } catch (java.io.IOException e) {
      throw new HttpResponseException(400, "the request body could not be read");
    } catch (org.eclipse.jetty.http.BadMessageException e) {
      // Jetty's own verdict on the body, e.g. 408 when it arrives slower than the minimum data rate
      throw new HttpResponseException(e.getCode(), "the request body could not be read: " + e.getReason());
    }
  }
}
