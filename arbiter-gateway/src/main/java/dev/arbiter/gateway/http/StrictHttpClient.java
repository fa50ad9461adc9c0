package dev.arbiter.gateway.http;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.api.ContentResponse;
import org.eclipse.jetty.client.api.Request;
import org.eclipse.jetty.client.util.BytesRequestContent;
import org.eclipse.jetty.client.util.FutureResponseListener;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.HttpCookieStore;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * The gateway's outgoing HTTP: a Jetty client set up for a component that carries credentials (grants,
 * bearer tokens) to configured addresses only. No redirects are followed (a redirect would send a
 * credential somewhere the configuration did not name), no cookies are kept (one call's answer must
 * not ride along on the next call), no content decoding is offered (the gateway hashes exactly what
 * it was sent) and no {@code User-Agent} is announced.
 *
 * <p>Jetty's, not the JDK's {@code HttpClient}: per call the JDK client cost ~0.6 ms of latency and a
 * large share of the gateway's CPU (BENCHMARKS.md, "Gateway executions").
 */
public final class StrictHttpClient {
  /**
   * How long a pooled connection may sit idle before the client closes it: shorter than common
   * server keep-alives (Node 5 s, Jetty 30 s), so that a call is not written down a connection the
   * server is closing at that moment (a POST is never retried). Each exchange sets its own idle
   * timeout to its whole timeout ({@link #IDLE_BETWEEN_CALLS_MILLIS} applies between calls only).
   */
  public static final long IDLE_BETWEEN_CALLS_MILLIS = 4_000;
  /** Room for a call's request line and headers. */
  static final int REQUEST_HEADER_BYTES = 16 * 1024;

  private StrictHttpClient() {}

  /**
   * A started client whose threads are named {@code name-…} (daemon threads; stop it with {@link
   * #stop}).
   *
   * @param connectTimeoutMillis bound on establishing a connection
   */
  public static HttpClient start(String name, long connectTimeoutMillis) {
    QueuedThreadPool threads = new QueuedThreadPool(64, 2);
    threads.setName(name);
    threads.setDaemon(true);
    HttpClient http = new HttpClient();
    http.setExecutor(threads);
    // Jetty's default scheduler thread is not a daemon: an embedding JVM that never stops this client would not exit.
    http.setScheduler(new ScheduledExecutorScheduler(name + "-scheduler", true));
    http.setFollowRedirects(false);
    http.setCookieStore(new HttpCookieStore.Empty());
    http.setUserAgentField(null);
    http.setConnectTimeout(connectTimeoutMillis);
    http.setIdleTimeout(IDLE_BETWEEN_CALLS_MILLIS);
    // A grant (~1.5 KB, more with a long target) and a proof: Jetty's default 4 KiB would refuse some
    // calls the gateway accepted (its server takes 8 KiB of headers), after the grant was burned.
    http.setRequestBufferSize(REQUEST_HEADER_BYTES);
    http.setMaxConnectionsPerDestination(1024);
    try {
      http.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the gateway's HTTP client " + name, e);
    }
    // start() installs these; they must go after it. No content decoding: no Accept-Encoding is
    // sent and a gzip answer stays the bytes the tool sent (the gateway hashes those). No protocol
    // handlers: Jetty's would follow redirects and turn a 401 or 407 without a challenge header into
    // a failed exchange; the tool's or engine's status must come back as it was sent.
    http.getContentDecoderFactories().clear();
    http.getProtocolHandlers().clear();
    // Except 100 Continue: a client must read past interim answers it did not ask for (RFC 9110
    // 15.2). Without this handler a tool's 100 followed by its 200 stalled the exchange until the
    // route timed out, and an execution that happened was recorded as failed. (Other 1xx codes
    // still stall Jetty 11's client whatever its handlers; tools should not send them.)
    http.getProtocolHandlers().put(new org.eclipse.jetty.client.ContinueProtocolHandler());
    return http;
  }

  /** Why an exchange did not produce an answer. */
  public static final class ExchangeException extends IOException {
    /** What went wrong. */
    public enum Kind {
      /** No complete answer within the exchange's timeout. */
      TIMEOUT,
      /** The answer was longer than the caller accepts. */
      TOO_LARGE,
      /** The peer refused the connection: nothing of the request was sent. */
      REFUSED,
      /** The peer could not be reached, or the exchange broke. */
      FAILED
    }

    private final Kind kind;

    ExchangeException(Kind kind, String message, Throwable cause) {
      super(message, cause);
      this.kind = kind;
    }

    public Kind kind() {
      return kind;
    }
  }

  /**
   * POSTs {@code body} as {@code application/json} with {@code headers} and waits for the whole
   * answer: {@code timeout} bounds the exchange (connecting, sending, the answer's headers and body)
   * and its idle time, and an answer longer than {@code maxAnswerBytes} is not read. An interrupt
   * aborts the exchange.
   *
   * @throws ExchangeException with its {@link ExchangeException.Kind}; the message names {@code uri}
   */
  public static ContentResponse post(HttpClient http, URI uri, Map<String, String> headers, byte[] body, Duration timeout,
      int maxAnswerBytes) throws ExchangeException, InterruptedException {
    Request request = http.newRequest(uri)
        .method(HttpMethod.POST)
        .timeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
        .idleTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
        .headers(h -> headers.forEach(h::put))
        .body(new BytesRequestContent("application/json", body));
    FutureResponseListener listener = new FutureResponseListener(request, maxAnswerBytes);
    request.send(listener);
    try {
      // The request's own timeout aborts the exchange; this bound only guards against a listener never completed.
      return listener.get(timeout.toNanos() + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      request.abort(e);
      throw new ExchangeException(ExchangeException.Kind.TIMEOUT, uri + " did not answer within " + timeout, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof TimeoutException) {
        throw new ExchangeException(ExchangeException.Kind.TIMEOUT, uri + " did not answer within " + timeout, cause);
      }
      if (cause instanceof IllegalArgumentException && String.valueOf(cause.getMessage()).startsWith("Buffering capacity")) {
        throw new ExchangeException(ExchangeException.Kind.TOO_LARGE, uri + " answered more than " + maxAnswerBytes
            + " bytes", cause);
      }
      if (cause instanceof java.net.ConnectException) {
        // Refused at connect: no connection, so no byte of the request reached the peer (a broken
        // pooled connection is another exception, and may have carried the request).
        throw new ExchangeException(ExchangeException.Kind.REFUSED, uri + " refused the connection: " + cause, cause);
      }
      throw new ExchangeException(ExchangeException.Kind.FAILED, uri + " unreachable: " + cause, cause);
    } catch (InterruptedException e) {
      request.abort(e);
      throw e;
    }
  }

  /** Stops {@code http}; calls in flight fail. */
  public static void stop(HttpClient http) {
    try {
      http.stop();
    } catch (Exception e) {
      // stopping: nothing left to protect
    }
  }
}
