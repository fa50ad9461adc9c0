package dev.arbiter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

/**
 * The CLI's one HTTP client for the engine's {@code /v1} API (docs/api-approvals-grants.md): bearer
 * token on every call, a fresh {@code Idempotency-Key} on every POST, no redirects (a token is
 * never forwarded elsewhere), bounded response size, and one mapping from answers to exit codes:
 *
 * <ul>
 *   <li>unreachable, timeout, 5xx, 429: exit 3 (unavailable; {@code Retry-After} is shown);
 *   <li>401, 403, 409, and 400 {@code key-proof-rejected}: exit 1 (refused; the problem's {@code
 *       reason} and {@code detail} are shown);
 *   <li>other 4xx: exit 2 (the request was wrong: bad id, bad key, ...).
 * </ul>
 *
 * Nothing it prints contains the token. Strings from the engine pass through {@link Text#safe}.
 */
final class EngineClient {
  static final int MAX_RESPONSE_BYTES = 1 << 20;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  /**
   * 400 problems that are a refusal of what the CLI built correctly, not a malformed request: a key
   * enrolment proof the engine did not accept (e.g. stale, from clock skew) is exit 1, like a 403.
   */
  private static final java.util.Set<String> REFUSED_AS_BAD_REQUEST = java.util.Set.of("key-proof-rejected");

  private final URI engine;
  private final String token;
  private final HttpClient http;

  /** An engine answer: status and the parsed JSON body (null when it was empty or not JSON). */
  record Response(int status, JsonNode body, String retryAfter) {}

  EngineClient(URI engine, String token) {
    this.engine = Objects.requireNonNull(engine, "engine");
    this.token = Objects.requireNonNull(token, "token");
    this.http = HttpClient.newBuilder()
        .connectTimeout(CONNECT_TIMEOUT)
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  URI engine() {
    return engine;
  }

  Response get(String pathAndQuery) {
    return send(request(pathAndQuery).GET().build());
  }

  Response post(String path, JsonNode body) {
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalStateException("JSON encoding failed", e);
    }
    return send(request(path)
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", UUID.randomUUID().toString())
        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
        .build());
  }

  /**
   * The body of {@code r} when its status is one of {@code ok}; otherwise the failure for it.
   *
   * @param what what was asked, for the message ("approval", "key enrolment")
   */
  JsonNode expect(Response r, String what, int... ok) {
    for (int s : ok) {
      if (r.status() == s) {
        if (r.body() == null || !r.body().isObject()) {
          throw CliFailure.verification("the engine answered the " + what + " with HTTP " + r.status()
              + " but no JSON object; refusing to go on");
        }
        return r.body();
      }
    }
    throw failure(r, what);
  }

  private CliFailure failure(Response r, String what) {
    JsonNode p = r.body() == null ? JSON.createObjectNode() : r.body();
    String slug = Text.field(p, "type").replaceFirst("^https://arbiter\\.dev/problems/", "");
    String reason = Text.field(p, "reason");
    String detail = Text.field(p, "detail");
    boolean refused = r.status() == 401 || r.status() == 403 || r.status() == 409 || REFUSED_AS_BAD_REQUEST.contains(slug);
    StringBuilder msg = new StringBuilder();
    msg.append(what).append(refused ? " refused" : " failed")
        .append(" (HTTP ").append(r.status()).append(slug.isEmpty() ? "" : " " + slug).append(")");
    if (!reason.isEmpty()) {
      msg.append(": reason ").append(reason);
    }
    if (!Text.field(p, "decision_status").isEmpty()) {
      msg.append(", decision status ").append(Text.field(p, "decision_status"));
    }
    if (!detail.isEmpty()) {
      msg.append(": ").append(detail);
    }
    int s = r.status();
    if (s >= 500 || s == 429) {
      if (r.retryAfter() != null) {
        msg.append(" (retry after ").append(Text.safe(r.retryAfter())).append(" s)");
      }
      return CliFailure.unavailable(msg.toString(), null);
    }
    if (refused) {
      return CliFailure.verification(msg.toString());
    }
    return CliFailure.badInput(msg.toString());
  }

  private HttpRequest.Builder request(String pathAndQuery) {
    String base = engine.toString().replaceAll("/+$", "");
    return HttpRequest.newBuilder(URI.create(base + pathAndQuery))
        .timeout(REQUEST_TIMEOUT)
        .header("Accept", "application/json, application/problem+json")
        .header("Authorization", "Bearer " + token);
  }

  private Response send(HttpRequest request) {
    BoundedExchange.Answer answer;
    try {
      answer = BoundedExchange.send(http, request, REQUEST_TIMEOUT, MAX_RESPONSE_BYTES);
    } catch (TimeoutException | HttpTimeoutException e) {
      throw CliFailure.unavailable("the engine at " + engine + " did not answer in time (" + REQUEST_TIMEOUT.toSeconds()
          + " s)", e);
    } catch (IOException e) {
      throw CliFailure.unavailable("the engine at " + engine + " is unreachable ("
          + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + Text.safe(e.getMessage())) + ")", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliFailure.unavailable("interrupted while waiting for the engine", e);
    }
    if (answer.tooLarge()) {
      throw CliFailure.unavailable("the engine's answer is larger than " + MAX_RESPONSE_BYTES + " bytes; refusing it", null);
    }
    byte[] bytes = answer.body();
    JsonNode body = null;
    if (bytes.length > 0) {
      try {
        body = JSON.readTree(bytes);
      } catch (IOException e) {
        body = null;
      }
    }
    return new Response(answer.status(), body, answer.headers().firstValue("Retry-After").orElse(null));
  }
}
