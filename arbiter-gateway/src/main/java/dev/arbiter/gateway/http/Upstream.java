package dev.arbiter.gateway.http;

import dev.arbiter.gateway.ToolRoute;
import dev.arbiter.gateway.verify.GatewayProof;
import java.io.IOException;
import java.util.Map;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.api.ContentResponse;
import org.eclipse.jetty.http.HttpHeader;

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
    ContentResponse r;
    try {
      r = StrictHttpClient.post(http, route.upstream(),
          Map.of(GatewayProof.GRANT_HEADER, grantCompact, GatewayProof.HEADER, proofCompact), body, route.timeout(),
          MAX_ANSWER_BYTES);
    } catch (StrictHttpClient.ExchangeException e) {
      throw new IOException("tool `" + route.name() + "`: " + e.getMessage(), e);
    }
    return new Answer(r.getStatus(), r.getContent(), r.getHeaders().get(HttpHeader.CONTENT_TYPE));
  }


  @Override
  public void close() {
    StrictHttpClient.stop(http);
  }
}
