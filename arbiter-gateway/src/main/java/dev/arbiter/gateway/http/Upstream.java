package dev.arbiter.gateway.http;

import dev.arbiter.gateway.ToolRoute;
import dev.arbiter.gateway.verify.GatewayProof;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.api.ContentResponse;
import org.eclipse.jetty.client.api.Request;
import org.eclipse.jetty.client.util.BytesRequestContent;
import org.eclipse.jetty.client.util.FutureResponseListener;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;

/**
 * Forwards a verified, burned, recorded call to its tool: {@code POST <upstream>} with the same body
 * bytes, the grant and the gateway's proof, through a {@link StrictHttpClient} (no redirects, no
 * cookies, no content decoding). The route's timeout bounds the whole exchange, body included, and
 * the answer is read up to {@link #MAX_ANSWER_BYTES}.
 */
final class Upstream implements AutoCloseable {
  /** A tool's answer larger than this is not passed on (502): a tool cannot exhaust the gateway. */
  static final int MAX_ANSWER_BYTES = 1024 * 1024;

  private final HttpClient http;

  Upstream() {
    http = StrictHttpClient.start("gateway-upstream", 10_000);
  }

  /** The tool's answer. */
  record Answer(int status, byte[] body, String contentType) {}

  /**
   * The body was checked to be strict JSON, so it goes out as {@code application/json} whatever the
   * caller declared.
   *
   * @throws IOException when the tool cannot be reached, does not answer in time, or answers too much
   */
  Answer forward(ToolRoute route, String grantCompact, String proofCompact, byte[] body)
      throws IOException, InterruptedException {
    Request request = http.newRequest(route.upstream())
        .method(HttpMethod.POST)
        .timeout(route.timeout().toNanos(), TimeUnit.NANOSECONDS)
        .idleTimeout(route.timeout().toNanos(), TimeUnit.NANOSECONDS)
        .headers(h -> h.put(GatewayProof.GRANT_HEADER, grantCompact).put(GatewayProof.HEADER, proofCompact))
        .body(new BytesRequestContent("application/json", body));
    FutureResponseListener listener = new FutureResponseListener(request, MAX_ANSWER_BYTES);
    request.send(listener);
    ContentResponse r;
    try {
      // The request's own timeout aborts the exchange; this bound only guards against a listener never completed.
      r = listener.get(route.timeout().toNanos() + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      request.abort(e);
      throw new java.net.http.HttpTimeoutException("tool `" + route.name() + "` did not answer within " + route.timeout());
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof TimeoutException) {
        throw new java.net.http.HttpTimeoutException("tool `" + route.name() + "` did not finish its answer within "
            + route.timeout());
      }
      if (cause instanceof IllegalArgumentException && String.valueOf(cause.getMessage()).startsWith("Buffering capacity")) {
        throw new IOException("tool `" + route.name() + "` answered more than " + MAX_ANSWER_BYTES + " bytes", cause);
      }
      throw cause instanceof IOException io ? io : new IOException("tool `" + route.name() + "` failed: " + cause, cause);
    } catch (InterruptedException e) {
      request.abort(e);
      throw e;
    }
    return new Answer(r.getStatus(), r.getContent(), r.getHeaders().get(HttpHeader.CONTENT_TYPE));
  }

  @Override
  public void close() {
    StrictHttpClient.stop(http);
  }
}
