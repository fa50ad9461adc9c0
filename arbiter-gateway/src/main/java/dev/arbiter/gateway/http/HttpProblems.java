package dev.arbiter.gateway.http;

import io.javalin.Javalin;
import io.javalin.http.HttpResponseException;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP plumbing the gateway and the sample tool share: every failure as problem+json, and the
 * loopback Host check (as in the engine's {@code HttpApi}).
 */
public final class HttpProblems {
  private static final Logger LOG = LoggerFactory.getLogger(HttpProblems.class);

  private static final String GATEWAY_FAILED = "the server failed; nothing was forwarded";

  /**
   * The listen backlog of the gateway's and the sample tool's listeners. Jetty's default is the JDK's
   * 50: more clients connecting at once (a pool opening, reconnects after an idle timeout) have their
   * SYNs dropped and wait a one-second retransmission before their first request (the engine's
   * {@code AcceptQueue} has the measurement).
   */
  public static final int ACCEPT_QUEUE = 1024;

  private HttpProblems() {}

  /** Asks for {@link #ACCEPT_QUEUE} on every connector the server gets, before it opens. */
  public static void acceptQueue(io.javalin.config.JavalinConfig cfg) {
    cfg.jetty.modifyServer(server -> server.addEventListener(new org.eclipse.jetty.util.component.Container.Listener() {
      @Override
      public void beanAdded(org.eclipse.jetty.util.component.Container parent, Object child) {
        if (child instanceof org.eclipse.jetty.server.ServerConnector c) {
          c.setAcceptQueueSize(ACCEPT_QUEUE);
        }
      }

      @Override
      public void beanRemoved(org.eclipse.jetty.util.component.Container parent, Object child) {}
    }));
  }

  /** Maps {@link Refusal}s, Javalin's own errors and anything unexpected to problem+json (the gateway's wording). */
  public static void install(Javalin app) {
    install(app, GATEWAY_FAILED);
  }

  /**
   * As {@link #install(Javalin)}, with the detail of a 500 (what the caller may assume: the gateway's
   * "nothing was forwarded" is not the sample tool's to say).
   */
  public static void install(Javalin app, String internalErrorDetail) {
    app.exception(Refusal.class, (e, ctx) -> e.problem().writeTo(ctx));
    app.exception(HttpResponseException.class, (e, ctx) -> http(e.getStatus(), e.getMessage()).writeTo(ctx));
    app.exception(Exception.class, (e, ctx) -> {
      LOG.error("unhandled failure on {} {}", ctx.method(), ctx.path(), e);
      Problem.of("internal-error", "Internal error", 500, internalErrorDetail).writeTo(ctx);
    });
    app.error(404, ctx -> {
      if (!Problem.CONTENT_TYPE.equals(ctx.res().getContentType())) {
        http(404, "no route " + ctx.method() + " " + ctx.path()).writeTo(ctx);
      }
    });
    app.error(405, ctx -> http(405, ctx.method() + " is not allowed on " + ctx.path()).writeTo(ctx));
  }

  /**
   * On a loopback listener, answers only requests addressed to loopback: a web page that rebinds its
   * own domain name to 127.0.0.1 (DNS rebinding) gets nothing.
   */
  public static void requireLoopbackHost(Javalin app, String listenHost) {
    if (!isLoopback(listenHost)) {
      return;
    }
    app.before(ctx -> {
      if (!loopbackHost(ctx.header("Host"))) {
        throw new HostNotAllowed();
      }
    });
    app.exception(HostNotAllowed.class, (e, ctx) ->
        http(421, "this server answers only requests addressed to 127.0.0.1, localhost or [::1]").writeTo(ctx));
  }

  static Problem http(int status, String detail) {
    return switch (status) {
      case 404 -> Problem.of("not-found", "Not found", 404, detail);
      case 405 -> Problem.of("method-not-allowed", "Method not allowed", 405, detail);
      case 413 -> Problem.of("payload-too-large", "Request body too large", 413, detail);
      case 421 -> Problem.of("host-not-allowed", "Host not allowed", 421, detail);
      case 408 -> Problem.of("request-timeout", "Request body too slow", 408, detail);
      case 414 -> Problem.of("uri-too-long", "Request target too long", 414, detail);
      case 431 -> Problem.of("headers-too-large", "Request headers too large", 431, detail);
      // Jetty's parser refuses these before any route runs: the client's request, not a server failure.
      case 501 -> Problem.of("not-implemented", "Not implemented", 501, detail);
      case 505 -> Problem.of("http-version-not-supported", "HTTP version not supported", 505, detail);
      default -> status >= 500
          ? Problem.of("internal-error", "Internal error", 500, GATEWAY_FAILED)
          : Problem.of("bad-request", "Bad request", status, detail);
    };
  }

  public static boolean isLoopback(String host) {
    return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1") || host.equals("[::1]");
  }

  /** The Host header's name (port stripped) is a loopback name or address. */
  static boolean loopbackHost(String hostHeader) {
    if (hostHeader == null || hostHeader.isBlank()) {
      return false;
    }
    String h = hostHeader.trim().toLowerCase(Locale.ROOT);
    String name = h.startsWith("[") ? h.substring(0, h.indexOf(']') + 1) : h.contains(":") ? h.substring(0, h.indexOf(':')) : h;
    return name.equals("127.0.0.1") || name.equals("localhost") || name.equals("[::1]");
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
