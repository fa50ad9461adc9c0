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
  /** A tool's answer larger than this is not passed on (502): a tool cannot exhaust the gateway. */
  static final int MAX_ANSWER_BYTES = 1024 * 1024;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .followRedirects(HttpClient.Redirect.NEVER).build();

  /** The tool's answer. */
  record Answer(int status, byte[] body, String contentType) {}

  /**
   * The body was checked to be strict JSON, so it goes out as {@code application/json} whatever the
   * caller declared. The route's timeout bounds the whole exchange, body included (the client's own
   * timeout only covers the response headers), and the answer is read up to {@link
   * #MAX_ANSWER_BYTES}.
   *
   * @throws IOException when the tool cannot be reached, does not answer in time, or answers too much
   */
  Answer forward(ToolRoute route, String grantCompact, String proofCompact, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(route.upstream())
        .timeout(route.timeout())
        .header(GatewayProof.GRANT_HEADER, grantCompact)
        .header(GatewayProof.HEADER, proofCompact)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
    java.util.concurrent.CompletableFuture<HttpResponse<java.io.InputStream>> call =
        http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
    long deadline = System.nanoTime() + route.timeout().toNanos();
    try {
      HttpResponse<java.io.InputStream> r = call.get(route.timeout().toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
      java.util.concurrent.CompletableFuture<byte[]> read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try (java.io.InputStream in = r.body()) {
          byte[] answer = in.readNBytes(MAX_ANSWER_BYTES + 1);
          if (answer.length > MAX_ANSWER_BYTES) {
            throw new java.io.UncheckedIOException(new IOException("tool answered more than " + MAX_ANSWER_BYTES + " bytes"));
          }
          return answer;
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, READERS);
      try {
        byte[] answer = read.get(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
        return new Answer(r.statusCode(), answer, r.headers().firstValue("Content-Type").orElse(null));
      } catch (java.util.concurrent.TimeoutException e) {
        read.cancel(true);
        r.body().close();
        throw new java.net.http.HttpTimeoutException("tool `" + route.name() + "` did not finish its answer within "
            + route.timeout());
      }
    } catch (java.util.concurrent.TimeoutException e) {
      call.cancel(true);
      throw new java.net.http.HttpTimeoutException("tool `" + route.name() + "` did not answer within " + route.timeout());
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : e.getCause();
      throw cause instanceof IOException io ? io : new IOException("tool `" + route.name() + "` failed: " + cause, cause);
    }
  }

  private static final java.util.concurrent.Executor READERS =
      java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
}
