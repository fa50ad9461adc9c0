package dev.arbiter.gateway.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.canonical.StrictJson;
import dev.arbiter.gateway.http.StrictHttpClient;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.api.ContentResponse;

/**
 * Records executions through the engine's {@code POST /v1/executions} (docs/api-approvals-grants.md):
 * {@code {"grant", "phase": "started"}} → 201 {@code {"execution_id", "receipt"}}; then {@code {"grant",
 * "phase": "confirmed"|"failed", "execution_id", "upstream_status", "duration_ms", "response_hash"}} →
 * 200. Every request carries {@code Authorization: Bearer <token>} (the gateway's token, role {@code
 * arbiter-gateway}) and an {@code Idempotency-Key}.
 *
 * <p>Fail closed: a 409 {@code grant-already-used} is a {@link GrantAlreadyUsedException}; every
 * other non-2xx answer, a timeout, a refused connection or an unreadable body is a {@link
 * RecorderException}. Nothing is retried here.
 *
 * <p>Idempotency keys: {@code started} uses a fresh random key per call, on purpose. A key derived from
 * the grant would let the engine answer a replayed grant from its idempotency cache with the first
 * call's 201, i.e. let a second gateway execute a used grant. {@code finished} uses {@code
 * <execution_id>:<phase>}, so a retried outcome is recorded once.
 *
 * <p>Thread-safe. Holds an HTTP client ({@link StrictHttpClient}); {@link #close} stops it.
 */
public final class EngineExecutionRecorder implements ExecutionRecorder, AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EngineExecutionRecorder.class);
  private static final String GRANT_ALREADY_USED = "https://arbiter.dev/problems/grant-already-used";
  private static final String EXECUTION_FINISHED = "https://arbiter.dev/problems/execution-finished";
  private static final String PROBLEMS = "https://arbiter.dev/problems/";
  private static final int MAX_PROBLEM_BYTES = 64 * 1024;
  /** An engine answer longer than this is not read (the call fails closed). */
  private static final int MAX_RESPONSE_BYTES = 256 * 1024;

  private final URI executions;
  private final Supplier<String> token;
  private final Duration timeout;
  private final HttpClient http;

  /**
   * @param engineBaseUrl e.g. {@code https://engine.internal:8443}; {@code /v1/executions} is appended
   * @param bearerToken supplies the current access token for each request (refresh is the supplier's job)
   * @param timeout per request, connect included
   */
  public EngineExecutionRecorder(URI engineBaseUrl, Supplier<String> bearerToken, Duration timeout) {
    Objects.requireNonNull(engineBaseUrl, "engineBaseUrl");
    String base = engineBaseUrl.toString();
    this.executions = URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/v1/executions");
    this.token = Objects.requireNonNull(bearerToken, "bearerToken");
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive");
    }
    this.timeout = timeout;
    this.http = StrictHttpClient.start("gateway-recorder", timeout.toMillis());
  }

  /** An answer of the engine. */
  private record Reply(int statusCode, byte[] body) {}

  @Override
  public Started started(String grantCompact, String attempt) throws RecorderException {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("grant", grantCompact);
    body.put("phase", "started");
    body.put("attempt", attempt);
    Reply r = post(body, "start-" + UUID.randomUUID());
    if (r.statusCode() == 409 && GRANT_ALREADY_USED.equals(problemType(r))) {
      throw new GrantAlreadyUsedException("the engine already recorded a use of this grant");
    }
    if ((r.statusCode() == 403 || r.statusCode() == 409) && problemType(r) != null
        && !problemType(r).endsWith("/forbidden")) {
      // The engine verified the grant and refused it (decision no longer executable, grant not its own).
      throw new GrantRefusedException("the engine refused the grant: " + problemType(r), problemType(r));
    }
    requireStatus(r, 201, "started");
    JsonNode answer = parse(r);
    JsonNode id = answer.get("execution_id");
    if (id == null || !id.isTextual() || id.asText().isBlank()) {
      throw new RecorderException("engine answered 201 without an execution_id");
    }
    // The receipt and the event are the caller's to check (ToolCallHandler, with the pinned ledger key).
    return new Started(id.asText(), answer.get("receipt"), answer.get("event"));
  }

  @Override
  public void abandoned(String grantCompact, String attempt) throws RecorderException {
    giveUp("abandoned", grantCompact, attempt);
  }

  @Override
  public void interrupted(String grantCompact, String attempt) throws RecorderException {
    giveUp("interrupted", grantCompact, attempt);
  }

  private void giveUp(String phase, String grantCompact, String attempt) throws RecorderException {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("grant", grantCompact);
    body.put("phase", phase);
    body.put("attempt", attempt);
    Reply r = post(body, phase + "-" + UUID.randomUUID()); // the engine's handling is idempotent itself
    if (r.statusCode() != 200) {
      throw notRecorded(r, phase.equals("abandoned") ? "give-up" : "interruption");
    }
  }

  /**
   * Answers that settle a report for good: the engine's own refusals of this grant or execution. Any
   * other answer is passing (review): an outage, a token refused while the IdP rotates keys or one
   * without the gateway role (fixed by an operator), a rate limit, {@code idempotency-in-progress},
   * and any answer that is not the engine's (a proxy's 404 or 413 during a deploy, a misrouted URL).
   */
  private static final java.util.Set<String> FINAL = java.util.Set.of("execution-not-started", "grant-invalid",
      "grant-not-available", "grant-already-used", "idempotency-conflict", "execution-outcome-conflict");

  /**
   * The engine did not take a report: for good ({@link GrantRefusedException}, when it refused it with
   * one of {@link #FINAL}: trying again changes nothing) or for now ({@link RecorderException}).
   */
  private static RecorderException notRecorded(Reply r, String what) {
    int s = r.statusCode();
    String type = problemType(r);
    String slug = type != null && type.startsWith(PROBLEMS) ? type.substring(PROBLEMS.length()) : null;
    if (s >= 400 && s < 500 && slug != null && FINAL.contains(slug)) {
      return new GrantRefusedException("engine refused the " + what + ": HTTP " + s, type);
    }
    String message = "engine did not record the " + what + " now: HTTP " + s + (type == null ? "" : " " + type);
    return s == 503 || s == 429 || s == 401 ? new EngineUnreachableException(message) : new RecorderException(message);
  }

  @Override
  public void refused(String tool, String problem, String reason, String grantId, String decisionId) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("phase", "refused");
    body.put("tool", tool);
    body.put("problem", problem);
    body.put("reason", reason);
    body.put("grant_id", grantId);
    body.put("decision_id", decisionId);
    try {
      Reply r = post(body, "refused-" + UUID.randomUUID());
      if (r.statusCode() != 201) {
        LOG.warn("refusal on tool {} not recorded by the engine: HTTP {}", tool, r.statusCode());
      }
    } catch (RecorderException e) {
      LOG.warn("refusal on tool {} not recorded: {}", tool, e.getMessage());
    }
  }

  @Override
  public void finished(String grantCompact, String executionId, boolean confirmed, int upstreamStatus, long durationMs,
      String responseHash, String failure) throws RecorderException {
    String phase = confirmed ? "confirmed" : "failed";
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("grant", grantCompact);
    body.put("phase", phase);
    body.put("execution_id", executionId);
    body.put("upstream_status", upstreamStatus);
    body.put("duration_ms", durationMs);
    body.put("response_hash", responseHash);
    if (failure != null) {
      body.put("reason", failure);
    }
    Reply r = post(body, executionId + ":" + phase);
    if (r.statusCode() == 200) {
      return;
    }
    if (r.statusCode() == 409 && EXECUTION_FINISHED.equals(problemType(r))) {
      // Recorded before: this is a report sent again after its first answer was lost (or the engine
      // restarted and forgot the idempotency key). The one outcome the ledger holds is this call's.
      return;
    }
    throw notRecorded(r, "outcome " + phase);
  }

  private Reply post(ObjectNode body, String idempotencyKey) throws RecorderException {
    String bearer;
    try {
      bearer = token.get();
    } catch (RuntimeException e) {
      throw new RecorderException("no access token for the engine: " + e.getMessage(), e);
    }
    if (bearer == null || bearer.isBlank()) {
      throw new RecorderException("no access token for the engine");
    }
    try {
      ContentResponse r = StrictHttpClient.post(http, executions, Map.of("Authorization", "Bearer " + bearer,
          "Idempotency-Key", idempotencyKey, "Accept", "application/json, application/problem+json"),
          CanonicalJson.encode(body), timeout, MAX_RESPONSE_BYTES);
      return new Reply(r.getStatus(), r.getContent());
    } catch (StrictHttpClient.ExchangeException e) {
      throw new EngineUnreachableException("engine " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RecorderException("interrupted while recording on the engine", e);
    }
  }


  /** Stops the HTTP client; calls in flight fail with a {@link RecorderException}. */
  @Override
  public void close() {
    StrictHttpClient.stop(http);
  }

  private static void requireStatus(Reply r, int expected, String phase) throws RecorderException {
    if (r.statusCode() != expected) {
      String type = problemType(r);
      throw new RecorderException("engine refused execution " + phase + ": HTTP " + r.statusCode()
          + (type == null ? "" : " " + type));
    }
  }

  private static JsonNode parse(Reply r) throws RecorderException {
    try {
      JsonNode n = StrictJson.parse(r.body());
      if (!n.isObject()) {
        throw new RecorderException("engine answered a non-object body");
      }
      return n;
    } catch (RuntimeException e) {
      throw new RecorderException("engine answered an unreadable body", e);
    }
  }

  private static String problemType(Reply r) {
    byte[] b = r.body();
    if (b == null || b.length == 0 || b.length > MAX_PROBLEM_BYTES) {
      return null;
    }
    try {
      JsonNode t = StrictJson.parse(b).get("type");
      return t != null && t.isTextual() ? t.asText() : null;
    } catch (RuntimeException e) {
      return null;
    }
  }
}
