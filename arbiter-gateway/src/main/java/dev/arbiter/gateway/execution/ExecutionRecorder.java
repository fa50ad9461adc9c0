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
   * Records that the call authorised by {@code grantCompact} is about to be forwarded. Returns only
   * once the event is durable on the ledger.
   *
   * @return the execution id
   * @throws GrantAlreadyUsedException if the ledger already has a start for this grant
   * @throws RecorderException if the start is not confirmed durable, for any reason
   */
  String started(String grantCompact) throws RecorderException;

  /**
   * Records the outcome of a forwarded call.
   *
   * @param confirmed true when the tool answered 2xx
   * @param upstreamStatus the tool's HTTP status, 0 when it could not be reached
   * @param responseHash {@code sha256:} + hex of the tool's response body (of the empty body when
   *     unreachable)
   */
  void finished(String grantCompact, String executionId, boolean confirmed, int upstreamStatus, long durationMs,
      String responseHash) throws RecorderException;

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
