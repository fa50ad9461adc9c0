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
}
