package dev.arbiter.server.engine;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.decision.DecisionStatus;
import java.util.Optional;

/**
 * What the start-up replay keeps of a decision stream beyond its window of full states: one byte,
 * enough for {@link DecisionProjection} to check every later event of the stream as it would on the
 * full state. The replay {@link #expand}s the byte into a lean state, folds the event through the same
 * code as always, and keeps the {@link #of} the result.
 *
 * <p>Layout: bits 0–2 the status's ordinal, bit 3 an execution started, bit 4 it finished. That is
 * all the fold reads of a state once it was created (the lifecycle checks read the status; a cancel and
 * a second {@code execution.started} read whether an execution started). Nothing else of a lean state
 * is real: it is never cached, answered or published.
 */
final class StreamSummary {
  private static final int STATUS = 0b111;
  private static final int EXECUTING = 1 << 3;
  private static final int FINISHED = 1 << 4;
  private static final DecisionStatus[] STATUSES = DecisionStatus.values();
  /** Stands in for the execution id, which a summary does not keep. */
  private static final String SOME_EXECUTION = "an execution recorded earlier";
  /** Never changed: a lean state's request is never read. */
  private static final ObjectNode NO_REQUEST = JsonNodeFactory.instance.objectNode();

  static {
    if (STATUSES.length > STATUS + 1) {
      throw new ExceptionInInitializerError("a stream summary has room for 8 statuses, not " + STATUSES.length);
    }
  }

  private StreamSummary() {}

  static byte of(DecisionState d) {
    int bits = d.status().ordinal();
    if (d.approvals().executionId().isPresent()) {
      bits |= EXECUTING;
    }
    if (d.approvals().executionFinished()) {
      bits |= FINISHED;
    }
    return (byte) bits;
  }

  /** A state that folds the next event of stream {@code id} as its full state would; nothing else of it is real. */
  static DecisionState expand(String id, byte summary) {
    DecisionApprovals approvals = DecisionApprovals.NONE;
    if ((summary & EXECUTING) != 0) {
      approvals = approvals.withExecution(SOME_EXECUTION, null, Optional.empty());
    }
    if ((summary & FINISHED) != 0) {
      approvals = approvals.withExecutionFinished();
    }
    return new DecisionState(id, STATUSES[summary & STATUS], null, Optional.empty(), "", "", "", null, Optional.empty(),
        Optional.empty(), -1, Optional.empty(), NO_REQUEST, approvals);
  }
}
