package dev.arbiter.gateway.http;

import dev.arbiter.gateway.ToolRoute;
import dev.arbiter.gateway.verify.GatewayProof;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * Forwards a verified, burned, recorded call to its tool: {@code POST <upstream>} with the same body
 * bytes, the grant and the gateway's proof. No redirects are followed (a redirect would send the
 * grant somewhere the configuration did not name); the tool's timeout bounds the whole exchange.
 */
final class Upstream {
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .followRedirects(HttpClient.Redirect.NEVER).build();

  /** The tool's answer. */
  record Answer(int status, byte[] body, String contentType) {}

  /**
   * @throws IOException when the tool cannot be reached or does not answer in time
   */
  Answer forward(ToolRoute route, String grantCompact, String proofCompact, byte[] body, String contentType)
      throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(route.upstream())
        .timeout(route.timeout())
        .header(GatewayProof.GRANT_HEADER, grantCompact)
        .header(GatewayProof.HEADER, proofCompact)
        .header("Content-Type", contentType == null ? "application/json" : contentType)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
    HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    return new Answer(r.statusCode(), r.body(), r.headers().firstValue("Content-Type").orElse(null));
  }
}
