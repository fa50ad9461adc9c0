package dev.arbiter.gateway.http;

import org.eclipse.jetty.client.HttpClient;
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
    return http;
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
