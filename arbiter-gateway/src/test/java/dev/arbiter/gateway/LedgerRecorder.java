package dev.arbiter.gateway;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.core.grant.Grant;
import dev.arbiter.core.grant.GrantCodec;
import dev.arbiter.core.grant.GrantRejectedException;
import dev.arbiter.core.id.Ulid;
import dev.arbiter.gateway.execution.ExecutionRecorder;
import dev.arbiter.gateway.execution.RecorderException;
import dev.arbiter.ledger.AppendedEvent;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.event.Actor;
import dev.arbiter.ledger.event.EventDraft;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;

/**
 * Test-only stand-in for the engine's {@code /v1/executions}: appends real {@code execution.started},
 * {@code execution.confirmed} and {@code execution.failed} events to a real ledger on the grant's
 * decision stream, and returns only once the append is durable. {@link #down(boolean)} makes every
 * call fail as an unreachable engine would.
 */
final class LedgerRecorder implements ExecutionRecorder {
  private final Ledger ledger;
  private final VerifyingKey engineKey;
  private final List<AppendedEvent> events = new ArrayList<>();
  private volatile boolean down;

  LedgerRecorder(Ledger ledger, VerifyingKey engineKey) {
    this.ledger = ledger;
    this.engineKey = engineKey;
  }

  void down(boolean down) {
    this.down = down;
  }

  private volatile boolean outcomesDown;

  /** Outcomes only fail, as when the engine goes away while the tool runs (starts still work). */
  void outcomesDown(boolean down) {
    this.outcomesDown = down;
  }

  private final List<String> abandoned = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Grant ids the gateway told this recorder it gave up, once the recorder was up to hear it. */
  List<String> abandoned() {
    return abandoned;
  }

  private final List<String> interrupted = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Grant ids a gateway reported as interrupted (a killed predecessor's calls), once the recorder was up. */
  List<String> interrupted() {
    return interrupted;
  }

  @Override
  public void interrupted(String grantCompact, String attempt) throws RecorderException {
    if (down) {
      throw new RecorderException("ledger down (test)");
    }
    interrupted.add(grant(grantCompact).grantId());
  }

  @Override
  public void abandoned(String grantCompact, String attempt) throws RecorderException {
    if (down) {
      throw new RecorderException("ledger down (test)");
    }
    abandoned.add(grant(grantCompact).grantId());
  }

  @Override
  public Started started(String grantCompact, String attempt) throws RecorderException {
    Grant g = grant(grantCompact);
    String executionId = "exe_" + Ulid.system().next();
    AppendedEvent e = append(g, "execution.started", JsonNodeFactory.instance.objectNode().put("grant_id", g.grantId())
        .put("execution_id", executionId).put("attempt", attempt));
    Started real = new Started(executionId, e.receipt().toJson(), e.envelope().toJson());
    java.util.function.UnaryOperator<Started> forge = startAnswers;
    return forge == null ? real : forge.apply(real);
  }

  private volatile java.util.function.UnaryOperator<Started> startAnswers;

  /** Rewrites the answers to starts (after the real start is recorded), as an engine stand-in could; null: the real ones. */
  void startAnswers(java.util.function.UnaryOperator<Started> forge) {
    this.startAnswers = forge;
  }

  @Override
  public void finished(String grantCompact, String executionId, boolean confirmed, int upstreamStatus, long durationMs,
      String responseHash, String failure) throws RecorderException {
    // This gateway gives every failed outcome its reason; the engine refuses a reason on a confirmed one.
    if (outcomesDown) {
      throw new RecorderException("ledger unreachable for outcomes (test switch)");
    }
    if (confirmed == (failure != null)) {
      throw new RecorderException("a failed outcome needs a reason and a confirmed one has none");
    }
    Grant g = grant(grantCompact);
    ObjectNode payload = JsonNodeFactory.instance.objectNode()
        .put("grant_id", g.grantId()).put("execution_id", executionId).put("upstream_status", upstreamStatus)
        .put("duration_ms", durationMs).put("response_hash", responseHash);
    if (failure != null) {
      payload.put("reason", failure); // as the engine records it
    }
    append(g, confirmed ? "execution.confirmed" : "execution.failed", payload);
  }

  private final List<com.fasterxml.jackson.databind.JsonNode> refusals = new ArrayList<>();

  /** As the engine does: the gateway's own refusals go to {@code sys:gateway}, durably. */
  @Override
  public void refused(String tool, String problem, String reason, String grantId, String decisionId) {
    ObjectNode payload = JsonNodeFactory.instance.objectNode().put("tool", tool).put("problem", problem)
        .put("reason", reason).put("grant_id", grantId).put("decision_id", decisionId);
    AppendedEvent e = ledger.append(new EventDraft("sys:gateway", "execution.refused", "sha256:" + "0".repeat(64),
        new Actor("gateway", "arbiter-gateway"), payload)).join();
    synchronized (this) {
      refusals.add(e.envelope().payload());
    }
  }

  synchronized List<com.fasterxml.jackson.databind.JsonNode> refusals() {
    return List.copyOf(refusals);
  }

  /** Event types recorded for {@code grantId}, in ledger order. */
  synchronized List<String> eventTypes(String grantId) {
    return events.stream().filter(e -> grantId.equals(e.envelope().payload().path("grant_id").asText()))
        .map(e -> e.envelope().eventType()).toList();
  }

  synchronized List<AppendedEvent> events() {
    return List.copyOf(events);
  }

  private AppendedEvent append(Grant g, String type, ObjectNode payload) throws RecorderException {
    if (down) {
      throw new RecorderException("ledger unreachable (test switch)");
    }
    try {
      AppendedEvent e = ledger.append(new EventDraft(g.decisionId(), type, g.policyHash(), new Actor("gateway", "arbiter-gateway"),
          payload)).join();
      synchronized (this) {
        events.add(e);
      }
      return e;
    } catch (CompletionException e) {
      throw new RecorderException("ledger append failed: " + e.getCause(), e);
    }
  }

  private Grant grant(String compact) throws RecorderException {
    try {
      return GrantCodec.verify(compact, id -> id.equals(engineKey.keyId()) ? Optional.of(engineKey) : Optional.empty(),
          Instant.now(), Duration.ofSeconds(30));
    } catch (GrantRejectedException e) {
      throw new RecorderException("engine would refuse this grant: " + e.code());
    }
  }
}
