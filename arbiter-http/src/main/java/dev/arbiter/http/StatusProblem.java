package dev.arbiter.http;

/**
 * The problem type (slug and title) for a failure the HTTP layer itself detects: an unknown route,
 * a wrong method, a body or header block over its limit, a request Jetty could not parse. The engine
 * and the gateway each render it as their own problem+json.
 */
public record StatusProblem(String slug, String title, int status) {

  /** A 5xx the server itself failed with (not one Jetty's parser answers a client's request with). */
  public boolean serverFailure() {
    return slug.equals("internal-error");
  }

  public static StatusProblem of(int status) {
    return switch (status) {
      case 404 -> new StatusProblem("not-found", "Not found", 404);
      case 405 -> new StatusProblem("method-not-allowed", "Method not allowed", 405);
      case 408 -> new StatusProblem("request-timeout", "Request body too slow", 408);
      case 413 -> new StatusProblem("payload-too-large", "Request body too large", 413);
      case 414 -> new StatusProblem("uri-too-long", "Request target too long", 414);
      case 415 -> new StatusProblem("unsupported-media-type", "Unsupported media type", 415);
      case 421 -> new StatusProblem("host-not-allowed", "Host not allowed", 421);
      case 431 -> new StatusProblem("headers-too-large", "Request headers too large", 431);
      // Jetty's parser refuses these before any route runs: the client's request, not a server failure.
      case 501 -> new StatusProblem("not-implemented", "Not implemented", 501);
      case 505 -> new StatusProblem("http-version-not-supported", "HTTP version not supported", 505);
      default -> status >= 500 ? new StatusProblem("internal-error", "Internal error", 500)
          : new StatusProblem("bad-request", "Bad request", status);
    };
  }
}
