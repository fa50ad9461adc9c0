package dev.arbiter.server.engine;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.decision.DecisionStatus;
import dev.arbiter.core.grant.Grant;
import dev.arbiter.core.grant.GrantCodec;
import dev.arbiter.core.grant.GrantRejectedException;
import dev.arbiter.ledger.event.Actor;
import dev.arbiter.server.identity.Principal;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What gateways report about executions, recorded on the decision's stream: {@code
 * execution.started} (at most one per decision: the engine's own guard against a second execution,
 * behind the gateway's burn store), then {@code execution.confirmed} (the decision becomes {@code
 * executed}) or {@code execution.failed}. Only callers holding the configured gateway role may
 * report, and only with a grant this engine issued for that decision.
 */
public final class Executions {
  private final DecisionEngine engine;

  Executions(DecisionEngine engine) {
    this.engine = engine;
  }

  /** The execution id and the state after {@code execution.started}. */
  public record Started(String executionId, DecisionState decision) {}

  /**
   * Records the start of the grant's execution.
   *
   * @param attempt the gateway's name for this call, if it gives one: a later give-up closes the start
   *     only when it comes from the same gateway and names the same attempt
   */
  public Started started(Principal gateway, String compactGrant, Optional<String> attempt) throws EngineException {
    return withOwnGrant(gateway, compactGrant, Duration.ofSeconds(30), (grant, d) -> {
      if (d.approvals().issuedGrants().get(grant.grantId()).use() == DecisionApprovals.Use.ABANDONED) {
        // The gateway gave this grant up (its start unconfirmed): a start arriving late must not run.
        refuse(d, gateway, grant, "grant_abandoned");
        throw new EngineException.Conflict("grant-already-used", "Grant already used",
            "grant " + grant.grantId() + " was given up by the gateway that presented it; it starts nothing");
      }
      if (d.approvals().executionId().isPresent()) {
        refuse(d, gateway, grant, "grant_already_used");
        throw new EngineException.Conflict("grant-already-used", "Grant already used",
            "decision `" + d.id() + "` already has an execution (" + d.approvals().executionId().get() + ")");
      }
      if (d.status() != DecisionStatus.AUTHORIZED) {
        refuse(d, gateway, grant, "decision_" + d.status().wireName());
        throw new EngineException.Conflict("grant-not-available", "Decision not executable",
            "decision `" + d.id() + "` is " + d.status().wireName());
      }
      if (!engine.underActivePolicy(d)) {
        refuse(d, gateway, grant, "policy_superseded");
        throw new EngineException.Conflict("grant-not-available", "Decision not executable", engine.supersededPolicy(d));
      }
      String executionId = engine.newId("exe_");
      ObjectNode payload = JsonNodeFactory.instance.objectNode().put("execution_id", executionId)
          .put("grant_id", grant.grantId()).put("gateway", gateway.subject()).put("tool", grant.tool())
          .put("payload_hash", grant.payloadHash());
      attempt.ifPresent(a -> payload.put("attempt", a));
      DecisionState next = engine.commit(d, List.of(draft(d, DecisionProjection.EXECUTION_STARTED, gateway, payload)));
      return new Started(executionId, next);
    });
  }

  /** What became of an abandoned grant: the start it closed, or none (nothing of it was recorded). */
  public record Abandoned(Optional<String> closedExecution, DecisionState decision) {}

  /**
   * A gateway could not confirm a grant's start (the engine did not answer in time, or could not be
   * reached) and gave the grant up. If the start was recorded after all and has no outcome, it is
   * closed as {@code execution.failed} ({@code not_forwarded}: the gateway forwards nothing it could not
   * confirm); if not, {@code execution.abandoned} is recorded and that grant starts nothing later (a
   * start still in flight cannot land after the give-up and run). Either way the decision's trail
   * shows the attempt (black-box run: a frozen engine left a start without an outcome for good).
   */
  public Abandoned abandoned(Principal gateway, String compactGrant, String attempt) throws EngineException {
    return giveUp(gateway, compactGrant, attempt, false);
  }

  /** {@code execution.failed}'s reason when a gateway process stopped during the call: the tool may have run. */
  public static final String GATEWAY_INTERRUPTED = "gateway_interrupted";

  /**
   * A gateway process was killed while this call was under way (reported by the gateway that next
   * opened its burn store): as {@link #abandoned}, except that a start it closes is closed with the
   * outcome unknown ({@code execution.failed}, {@link #GATEWAY_INTERRUPTED}: the tool may have run), not
   * as never forwarded. A crash-and-load run left decisions authorized for good, each with a start
   * and no outcome.
   */
  public Abandoned interrupted(Principal gateway, String compactGrant, String attempt) throws EngineException {
    return giveUp(gateway, compactGrant, attempt, true);
  }

  private Abandoned giveUp(Principal gateway, String compactGrant, String attempt, boolean interrupted)
      throws EngineException {
    return withOwnGrant(gateway, compactGrant, Duration.ofDays(1), (grant, d) -> {
      DecisionApprovals a = d.approvals();
      DecisionApprovals.Issued issued = a.issuedGrants().get(grant.grantId());
      if (issued.use() == DecisionApprovals.Use.ABANDONED) {
        return new Abandoned(Optional.empty(), d); // given up before: nothing more to record
      }
      if (issued.use() == DecisionApprovals.Use.STARTED) {
        String executionId = a.executionId().orElseThrow();
        if (a.executionFinished()) {
          return new Abandoned(Optional.empty(), d); // its outcome is recorded: nothing dangles
        }
        // Another subject: most likely this gateway's token now names another one (black-box run: a
        // restarted gateway with another token dropped its predecessor's report for good, leaving the
        // decision open).
        requireStartingSubject(d, gateway, grant, issued, executionId, "abandon_not_the_starter", "give it up");
        if (!issued.startedBy().equals(Optional.of(gateway.subject() + " " + attempt))) {
          // Another call started it (another gateway, or this one in another attempt) and may be running
          // the tool right now: only the call that started an execution may say it never forwarded it
          // (review: any gateway token closed a live execution as "not forwarded").
          refuse(d, gateway, grant, "abandon_not_the_starter");
          throw new EngineException.Conflict("execution-not-started", "Not this call's execution",
              "execution `" + executionId + "` was started by another call; only that call may give it up");
        }
        ObjectNode payload = JsonNodeFactory.instance.objectNode().put("execution_id", executionId)
            .put("grant_id", grant.grantId()).put("gateway", gateway.subject()).put("upstream_status", 0)
            .put("duration_ms", 0).put("reason", interrupted ? GATEWAY_INTERRUPTED : "not_forwarded");
        payload.putNull("response_hash");
        return new Abandoned(Optional.of(executionId),
            engine.commit(d, List.of(draft(d, DecisionProjection.EXECUTION_FAILED, gateway, payload))));
      }
      ObjectNode payload = JsonNodeFactory.instance.objectNode().put("grant_id", grant.grantId())
          .put("gateway", gateway.subject()).put("attempt", attempt).put("tool", grant.tool())
          .put("reason", interrupted ? GATEWAY_INTERRUPTED : "start_not_confirmed");
      return new Abandoned(Optional.empty(),
          engine.commit(d, List.of(draft(d, DecisionProjection.EXECUTION_ABANDONED, gateway, payload))));
    });
  }

  public DecisionState finished(Principal gateway, String compactGrant, String executionId, boolean confirmed,
      int upstreamStatus, long durationMs, Optional<String> responseHash, Optional<String> failure) throws EngineException {
    // A long upstream call may outlive the grant: the signature must still be the engine's own.
    return withOwnGrant(gateway, compactGrant, Duration.ofDays(1), (grant, d) -> {
      DecisionApprovals.Issued issued = d.approvals().issuedGrants().get(grant.grantId());
      if (issued.use() != DecisionApprovals.Use.STARTED) {
        // Another grant of the decision (one given up, say) does not report the execution a second one ran.
        throw new EngineException.Conflict("execution-not-started", "No such running execution",
            "grant " + grant.grantId() + " started no execution of decision `" + d.id() + "`");
      }
      // Only the gateway that started an execution knows its outcome (black-box run: another gateway's
      // token recorded "failed, not forwarded" for a call still running, and the real outcome was then
      // turned away as already recorded).
      requireStartingSubject(d, gateway, grant, issued, executionId, "outcome_not_the_starter", "report the outcome");
      if (d.approvals().executionId().filter(executionId::equals).isPresent() && d.approvals().executionFinished()) {
        boolean recordedConfirmed = d.status() == DecisionStatus.EXECUTED;
        if (recordedConfirmed != confirmed) {
          // Not a report sent twice: two different outcomes for one execution. Final, and the gateway logs it.
          throw new EngineException.Conflict("execution-outcome-conflict", "Another outcome is recorded",
              "execution `" + executionId + "` is recorded as " + (recordedConfirmed ? "confirmed" : "failed")
                  + "; this report says " + (confirmed ? "confirmed" : "failed") + " and is not recorded");
        }
        throw new EngineException.Conflict("execution-finished", "Execution outcome already recorded",
            "execution `" + executionId + "` already has its outcome; it is recorded once");
      }
      if (d.approvals().executionId().filter(executionId::equals).isEmpty() || d.status() != DecisionStatus.AUTHORIZED) {
        throw new EngineException.Conflict("execution-not-started", "No such running execution",
            "execution `" + executionId + "` is not the running execution of decision `" + d.id() + "`");
      }
      ObjectNode payload = JsonNodeFactory.instance.objectNode().put("execution_id", executionId)
          .put("grant_id", grant.grantId()).put("gateway", gateway.subject()).put("upstream_status", upstreamStatus)
          .put("duration_ms", durationMs);
      responseHash.ifPresentOrElse(h -> payload.put("response_hash", h), () -> payload.putNull("response_hash"));
      failure.ifPresent(r -> payload.put("reason", r));
      String type = confirmed ? DecisionProjection.EXECUTION_CONFIRMED : DecisionProjection.EXECUTION_FAILED;
      return engine.commit(d, List.of(draft(d, type, gateway, payload)));
    });
  }

  /**
   * Refuses (recorded, 409 {@code execution-not-the-starter}) a report on a started execution from
   * another gateway subject than the one that started it. Its own type, which the gateway keeps trying
   * (review): a gateway whose token file was switched to another subject is an operator's fix away from
   * delivering the report.
   */
  private void requireStartingSubject(DecisionState d, Principal gateway, Grant grant, DecisionApprovals.Issued issued,
      String executionId, String reason, String what) throws EngineException {
    Optional<String> starter = issued.startedBy().map(s -> s.substring(0, s.lastIndexOf(' ')));
    if (starter.isPresent() && !starter.get().equals(gateway.subject())) {
      refuse(d, gateway, grant, reason);
      throw new EngineException.Conflict("execution-not-the-starter", "Not this gateway's execution",
          "execution `" + executionId + "` was started by gateway subject `" + starter.get() + "`; only it may " + what
              + " (a gateway's token must keep its subject)");
    }
  }

  /** What a gateway's report does with the decision, under its lock, once its grant proved to be the engine's own. */
  @FunctionalInterface
  private interface WithGrant<T> {
    T apply(Grant grant, DecisionState decision) throws EngineException;
  }

  /**
   * Verifies a gateway's grant (signature, window within {@code skew}), then, under the decision's lock
   * and once its earlier changes are confirmed, checks it is the grant this engine issued and runs
   * {@code body} on the decision.
   */
  private <T> T withOwnGrant(Principal gateway, String compactGrant, Duration skew, WithGrant<T> body)
      throws EngineException {
    Grant grant = verify(gateway, compactGrant, skew);
    ReentrantLock lock = engine.lock(grant.decisionId());
    lock.lock();
    try {
      engine.requireConfirmed(grant.decisionId());
      return body.apply(grant, ownGrant(gateway, grant, compactGrant));
    } finally {
      lock.unlock();
    }
  }

  private Grant verify(Principal gateway, String compactGrant, Duration skew) throws EngineException {
    requireGateway(gateway);
    try {
      return GrantCodec.verify(compactGrant, kid -> kid.equals(engine.security().engineKey().keyId())
          ? Optional.of(engine.security().engineKey().verifyingKey()) : Optional.empty(), engine.clock().instant(), skew);
    } catch (GrantRejectedException e) {
      throw new EngineException.Forbidden("grant-invalid", "the grant is not valid: " + e.code());
    }
  }

  /**
   * The grant is one this engine issued for the decision, byte for byte: its id alone would let
   * whoever holds the engine key re-sign an issued grant with another payload, tool, target or expiry
   * (black-box run). Every {@code grant.issued} this engine ever wrote records the grant's hash; one
   * without it was not written by this engine, and its grant starts nothing.
   */
  private DecisionState ownGrant(Principal gateway, Grant grant, String compactGrant) throws EngineException {
    DecisionState d = engine.find(grant.decisionId());
    DecisionApprovals.Issued issued = d.approvals().issuedGrants().get(grant.grantId());
    if (issued == null) {
      refuse(d, gateway, grant, "grant_not_issued_for_decision");
      throw new EngineException.Forbidden("grant-invalid", "grant " + grant.grantId() + " was not issued for decision `"
          + d.id() + "`");
    }
    if (issued.hash().isEmpty() || !java.security.MessageDigest.isEqual(
        issued.hash().get().getBytes(java.nio.charset.StandardCharsets.US_ASCII),
        GrantIssuer.hash(compactGrant).getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
      refuse(d, gateway, grant, "grant_not_as_issued");
      throw new EngineException.Forbidden("grant-invalid", "grant " + grant.grantId() + " differs from the grant this"
          + " engine issued for decision `" + d.id() + "`");
    }
    return d;
  }

  /**
   * A refused gateway report, on the decision's stream, under a budget of the gateways' own (a gateway
   * retrying a report that is not its own must not use up the budget that records approvers' refusals).
   */
  private void refuse(DecisionState d, Principal gateway, Grant grant, String reason) {
    engine.recordGatewayRefusal(d, new Actor(gateway.subject(), "gateway"),
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("reason", reason)
            .put("grant_id", grant.grantId()).put("tool", grant.tool()));
  }

  /** At most this many gateway refusals per minute reach {@code sys:gateway}; beyond it they are logged only. */
  static final int MAX_GATEWAY_REFUSALS_PER_MINUTE = 600;
  /** Refusals without a verified grant (no grant, a forged one): at most this many per minute. */
  static final int MAX_UNVERIFIED_GATEWAY_REFUSALS_PER_MINUTE = 60;
  public static final String GATEWAY_STREAM = "sys:gateway";
  private final RateLimiter refusalBudget = new RateLimiter();

  /**
   * Records a refusal the gateway made on its own (no grant, a forged or mismatched grant, a replay)
   * on the {@code sys:gateway} stream: an attack on the gateway is visible in the ledger. The grant and
   * decision ids are only those of grants the gateway verified.
   */
  public void gatewayRefused(Principal gateway, String tool, String problem, String reason, String grantId,
      String decisionId) throws EngineException {
    requireGateway(gateway);
    // Refusals about grants the gateway verified and anonymous noise (no or forged grants) have
    // separate budgets: a flood of the second kind cannot hide the first.
    boolean verified = grantId != null;
    int budget = verified ? MAX_GATEWAY_REFUSALS_PER_MINUTE : MAX_UNVERIFIED_GATEWAY_REFUSALS_PER_MINUTE;
    if (!refusalBudget.tryAcquire(verified ? "verified" : "unverified", budget, engine.clock().instant())) {
      org.slf4j.LoggerFactory.getLogger(Executions.class).warn("gateway refusal not recorded (over {} per minute): {} {}",
          budget, problem, reason);
      return;
    }
    ObjectNode payload = JsonNodeFactory.instance.objectNode().put("gateway", gateway.subject()).put("tool", clip(tool))
        .put("problem", clip(problem)).put("reason", clip(reason)).put("grant_id", clip(grantId))
        .put("decision_id", clip(decisionId));
    engine.appendSystem(new dev.arbiter.ledger.event.EventDraft(GATEWAY_STREAM, DecisionProjection.EXECUTION_REFUSED,
        engine.activePolicy().hash(), new Actor(gateway.subject(), "gateway"), payload));
  }

  private static String clip(String s) {
    return s == null ? null : s.length() > 128 ? s.substring(0, 128) + "…" : s;
  }

  private void requireGateway(Principal gateway) throws EngineException.Forbidden {
    if (!gateway.roles().contains(engine.security().gatewayRole())) {
      throw new EngineException.Forbidden("forbidden", "only a gateway (role `" + engine.security().gatewayRole()
          + "`) may record executions");
    }
  }

  private static dev.arbiter.ledger.event.EventDraft draft(DecisionState d, String type, Principal gateway,
      ObjectNode payload) {
    return new dev.arbiter.ledger.event.EventDraft(d.id(), type, d.policyHash(), new Actor(gateway.subject(), "gateway"),
        payload);
  }
}
