package dev.arbiter.gateway.execution;

/**
 * Where the gateway records executions: {@code execution.started} before forwarding, {@code
 * execution.confirmed} or {@code execution.failed} after. Production: {@link EngineExecutionRecorder}
 * ({@code POST /v1/executions} on the engine).
 *
 * <p>Implementations must be thread-safe, and must throw rather than guess: the gateway refuses every
 * call whose start it could not record.
 */
public interface ExecutionRecorder {
  /**
   * What the ledger answered to a recorded start: the execution id, the receipt of {@code
   * execution.started} and that event's envelope. Untrusted until the gateway checked the receipt with
   * the pinned ledger key ({@link dev.arbiter.gateway.verify.StartReceiptCheck}).
   */
  record Started(String executionId, com.fasterxml.jackson.databind.JsonNode receipt,
      com.fasterxml.jackson.databind.JsonNode event) {}

  /**
   * Records that the call authorised by {@code grantCompact} is about to be forwarded. Returns only
   * once the event is durable on the ledger, with the ledger's receipt for it.
   *
   * @param attempt this call's name (the gateway's random nonce): a later {@link #abandoned} names it
   * @throws GrantAlreadyUsedException if the ledger already has a start for this grant
   * @throws RecorderException if the start is not confirmed durable, for any reason
   */
  Started started(String grantCompact, String attempt) throws RecorderException;

  /** {@code execution.failed}'s {@code reason}: the gateway never called the tool (the burn is not durable). */
  String NOT_FORWARDED = "not_forwarded";
  /** {@code execution.failed}'s {@code reason}: the tool could not be reached or did not answer; it may have run. */
  String UPSTREAM_UNREACHABLE = "upstream_unreachable";
  /** {@code execution.failed}'s {@code reason}: the tool answered with a status other than 2xx. */
  String UPSTREAM_STATUS = "upstream_status";

  /**
   * Records the outcome of a started execution.
   *
   * @param confirmed true when the tool answered 2xx
   * @param upstreamStatus the tool's HTTP status, 0 when it was not called or could not be reached
   * @param responseHash {@code sha256:} + hex of the tool's response body (of the empty body when
   *     there is none)
   * @param failure null when confirmed, else why: {@link #NOT_FORWARDED}, {@link
   *     #UPSTREAM_UNREACHABLE} or {@link #UPSTREAM_STATUS}
   * @throws GrantRefusedException when the ledger refused it for good (the execution is not running);
   *     an outcome the ledger already holds for this execution is no error
   * @throws RecorderException when the ledger could not take it now (sent again later, {@link ReportSender})
   */
  void finished(String grantCompact, String executionId, boolean confirmed, int upstreamStatus, long durationMs,
      String responseHash, String failure) throws RecorderException;

  /**
   * Tells the ledger that the gateway gave {@code grantCompact} up after it could not confirm its
   * start (nothing was forwarded): a start recorded after all is closed as failed, and one still in
   * flight is refused when it lands. Only the call that started an execution ({@code attempt}) may close
   * it. Returns once the ledger recorded it.
   *
   * @throws GrantRefusedException when the ledger refused it for good (the gateway stops trying)
   * @throws RecorderException when the ledger could not take it now (the gateway tries again)
   */
  void abandoned(String grantCompact, String attempt) throws RecorderException;

  /**
   * Tells the ledger that a gateway process stopped (killed) while it had {@code grantCompact}'s call
   * under way, at any step after the burn: a start recorded without an outcome is closed as {@code
   * execution.failed} with the outcome unknown (the tool may have run); with no start recorded the
   * grant is given up as by {@link #abandoned}. Only the call that started an execution ({@code
   * attempt}) may close it. Reported by the gateway that next opens the burn store.
   *
   * @throws GrantRefusedException when the ledger refused it for good (the gateway stops trying)
   * @throws RecorderException when the ledger could not take it now (the gateway tries again)
   */
  default void interrupted(String grantCompact, String attempt) throws RecorderException {
    abandoned(grantCompact, attempt);
  }

  /**
   * Records, best effort, that the gateway refused a call, so that attacks on the gateway are visible
   * in the ledger and not only in its log. Never throws; the refusal stands whether or not it is
   * recorded.
   *
   * @param tool the tool named by the call
   * @param problem the refusal's problem slug (e.g. {@code grant-invalid})
   * @param reason the refusal's reason code, or null
   * @param grantId the grant's id when the grant verified, else null (an unverified id is not trusted)
   * @param decisionId the grant's decision when the grant verified, else null
   */
  default void refused(String tool, String problem, String reason, String grantId, String decisionId) {}
}
