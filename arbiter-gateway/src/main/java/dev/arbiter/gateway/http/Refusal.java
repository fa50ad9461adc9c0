package dev.arbiter.gateway.http;

import java.util.Objects;

/**
 * Why the gateway (or the sample tool) refused a call. Each {@link Kind} fixes the status, the
 * problem type and its title, so the mapping to problem+json is written once ({@link #problem()}) and
 * a new kind cannot exist without one.
 */
public final class Refusal extends Exception {
  /** Every way a call is refused, with its HTTP status and problem slug. */
  public enum Kind {
    UNKNOWN_TOOL(403, "unknown-tool", "Unknown tool"),
    GRANT_MISSING(403, "grant-missing", "Grant required"),
    GRANT_INVALID(403, "grant-invalid", "Grant invalid"),
    GRANT_MISMATCH(403, "grant-mismatch", "Grant does not match the request"),
    GRANT_ALREADY_USED(409, "grant-already-used", "Grant already used"),
    GRANT_REFUSED(403, "grant-refused", "The engine refused this grant"),
    UNGOVERNED_CALL(403, "ungoverned-call", "Call did not come through the Arbiter gateway"),
    PAYLOAD_TOO_LARGE(413, "payload-too-large", "Request body too large"),
    BURN_STORE_UNAVAILABLE(503, "burn-store-unavailable", "Burn store unavailable: the call was refused"),
    LEDGER_UNAVAILABLE(503, "ledger-unavailable", "Ledger unavailable: the call was refused"),
    GATEWAY_STOPPING(503, "gateway-stopping", "Gateway stopping: the call was refused"),
    UPSTREAM_FAILED(502, "upstream-failed", "The tool could not be reached"),
    /** The sample tool's: its execution log failed, so it executes nothing until restarted. */
    EXECUTION_LOG_UNAVAILABLE(503, "execution-log-unavailable", "Execution log unavailable: nothing was executed");

    private final int status;
    private final String slug;
    private final String title;

    Kind(int status, String slug, String title) {
      this.status = status;
      this.slug = slug;
      this.title = title;
    }

    public int status() {
      return status;
    }

    public String slug() {
      return slug;
    }
  }

  private final Kind kind;
  private final String reason;

  /**
   * @param detail this occurrence; must not contain a grant or token
   * @param reason a stable lowercase code (e.g. a {@code GrantRejectedException} code), or null
   */
  public Refusal(Kind kind, String detail, String reason) {
    super(detail, null, false, false);
    this.kind = Objects.requireNonNull(kind, "kind");
    this.reason = reason;
  }

  public Kind kind() {
    return kind;
  }

  /** The stable reason code, or null. */
  public String reason() {
    return reason;
  }

  public Problem problem() {
    return Problem.of(kind.slug, kind.title, kind.status, getMessage()).with("reason", reason);
  }
}
