package dev.arbiter.server.http;

import dev.arbiter.server.engine.EngineException;
import java.util.List;
import java.util.Map;

/**
 * The one mapping from a refusal to its problem. The switch over the sealed {@link EngineException}
 * is exhaustive: a new refusal kind does not compile until it has a stable type here.
 */
final class ProblemMapper {
  private ProblemMapper() {}

  static Problem of(EngineException e) {
    return switch (e) {
      case EngineException.InvalidInput i -> new Problem(Problem.BASE + slugFor(i), titleFor(i), 400,
          i.getMessage(), i.errors(), Map.of());
      case EngineException.TooLarge t -> Problem.of("payload-too-large", "Request body too large", 413, t.getMessage());
      case EngineException.NotFound n -> Problem.of("decision-not-found", "No such decision", 404, n.getMessage());
      case EngineException.IdempotencyConflict c -> Problem.of("idempotency-conflict",
          "Idempotency-Key reused with a different request", 409, c.getMessage()).with("decision_id", c.decisionId());
      case EngineException.TransitionRefused r -> Problem.of("illegal-transition", "Illegal decision transition", 409,
          r.getMessage()).with("decision_id", r.decisionId()).with("decision_status", r.from().wireName());
      case EngineException.NotProposer p -> Problem.of("not-proposer", "Only the proposer may do this", 403, p.getMessage());
      case EngineException.Degraded d -> Problem.of("governance-degraded", "Governance degraded: retry later", 503,
          d.getMessage()).with("outcome", "queue");
      case EngineException.Unauthenticated u -> Problem.of("unauthenticated", "Authentication required", 401,
          u.getMessage()).with("reason", u.reason());
      case EngineException.LedgerIntegrityFailed f -> Problem.of("ledger-integrity-failed",
          "Ledger integrity failure: every change is refused", 503, f.getMessage()).with("outcome", "queue");
      case EngineException.IdentityUnavailable u -> Problem.of("identity-unavailable",
          "Identity provider unavailable: retry later", 503, u.getMessage());
      case EngineException.Forbidden f -> Problem.of(f.slug(), "Forbidden", 403, f.getMessage());
      case EngineException.ApprovalRejected r -> {
        Problem p = Problem.of("approval-rejected", "Approval refused", r.status() == null ? 403 : 409, r.getMessage())
            .with("reason", r.reason()).with("decision_id", r.decisionId());
        yield r.status() == null ? p : p.with("decision_status", r.status().wireName());
      }
      case EngineException.KeyProofRejected k -> Problem.of("key-proof-rejected", "Key enrolment proof refused", 400,
          k.getMessage()).with("reason", k.reason());
      case EngineException.RateLimited l -> Problem.of("rate-limited", "Too many requests", 429, l.getMessage());
      case EngineException.Conflict c -> Problem.of(c.slug(), c.title(), 409, c.getMessage());
    };
  }

  /** A problem for a failure the HTTP layer itself detects (unknown route, wrong method, what Jetty refuses). */
  static Problem http(int status, String detail) {
    dev.arbiter.http.StatusProblem p = dev.arbiter.http.StatusProblem.of(status);
    return Problem.of(p.slug(), p.title(), p.status(), p.serverFailure() ? "the server failed; nothing was decided" : detail);
  }

  private static boolean aboutIdempotencyKey(EngineException.InvalidInput i) {
    List<String> paths = i.errors().stream().map(f -> f.path()).distinct().toList();
    return paths.equals(List.of("header.Idempotency-Key"));
  }

  private static String slugFor(EngineException.InvalidInput i) {
    return aboutIdempotencyKey(i) ? "idempotency-key-required" : "invalid-request";
  }

  private static String titleFor(EngineException.InvalidInput i) {
    return aboutIdempotencyKey(i) ? "Idempotency-Key header required" : "Invalid request";
  }
}
