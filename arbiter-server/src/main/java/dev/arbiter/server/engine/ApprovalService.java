package dev.arbiter.server.engine;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.approval.Challenge;
import dev.arbiter.core.approval.Quorum;
import dev.arbiter.core.approval.Signer;
import dev.arbiter.core.authority.AuthorityRequirement;
import dev.arbiter.core.crypto.SignatureVerificationException;
import dev.arbiter.core.decision.DecisionStatus;
import dev.arbiter.core.decision.EvaluationJson;
import dev.arbiter.ledger.event.Actor;
import dev.arbiter.ledger.event.EventDraft;
import dev.arbiter.server.identity.Principal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Challenges, approvals and rejections. Every refusal is recorded as {@code approval.rejected} with a
 * stable reason on the decision's stream before it is answered. The checks run in the order of the
 * contract (docs/api-approvals-grants.md): token (by the HTTP layer), key, signature, challenge and
 * nonce, decision state and pinned policy, level and domain, requester, already signed, rationale.
 * An accepted approval that completes the quorum moves the decision to {@code authorized} in the same
 * ledger transaction; the grant follows.
 */
public final class ApprovalService {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ApprovalService.class);
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final DecisionEngine engine;
  private final ChallengeStore challenges = new ChallengeStore();
  private final RateLimiter limiter = new RateLimiter();
  private final AnomalyDetector anomalies = new AnomalyDetector();

  ApprovalService(DecisionEngine engine) {
    this.engine = engine;
  }

  /** A challenge to sign, with the decision it concerns. */
  public record IssuedChallenge(Challenge challenge, DecisionState decision) {}

  public IssuedChallenge challenge(Principal caller, String decisionId, String intent) throws EngineException {
    Instant now = engine.clock().instant();
    if (!limiter.tryAcquire("approver:" + caller.subject(), engine.security().approverPerMinute(), now)) {
      throw tooMany("requests by this approver", now);
    }
    DecisionState d = engine.find(decisionId);
    if (d.status() != DecisionStatus.PENDING_AUTHORITY) {
      if (!DecisionReaders.mayRead(engine.security(), caller, d.actionClass(), d.proposer())) {
        // Challenges go to anyone while a decision is pending (a refused approval must be recorded
        // with its reason), but what became of it is only for those who may read it.
        throw new EngineException.Conflict("approval-rejected", "Approval refused",
            "decision `" + decisionId + "` is not pending_authority");
      }
      String detail = "decision `" + decisionId + "` is " + d.status().wireName() + ", not pending_authority";
      recordChallengeRefusal(d, caller, intent, "decision_not_pending", detail);
      throw new EngineException.ApprovalRejected(decisionId, "decision_not_pending", detail, d.status());
    }
    if (intent.equals(Challenge.APPROVE) && !engine.underActivePolicy(d)) {
      recordChallengeRefusal(d, caller, intent, "policy_superseded", engine.supersededPolicy(d));
      throw new EngineException.ApprovalRejected(decisionId, "policy_superseded", engine.supersededPolicy(d), null);
    }
    Challenge c = challenges.issue(caller.subject(), decisionId, intent, d.policyHash(), now, engine.security().challengeTtl(),
        engine.config().retryAfter());
    return new IssuedChallenge(c, d);
  }

  /**
   * An approval attempt refused before anything was signed (the CLI asks for its challenge first):
   * recorded like a refused signature, so an attempt on a cancelled or expired decision is on its
   * trail whichever step refused it.
   */
  private void recordChallengeRefusal(DecisionState d, Principal caller, String intent, String reason, String detail) {
    engine.recordApprovalRefusal(d, caller,
        F.objectNode().put("reason", reason).put("detail", detail).put("actor", caller.subject()).put("intent", intent)
            .put("stage", "challenge"));
  }

  /** Drops expired challenges and used nonces past their expiry (the {@link ExpirySweeper} calls this). */
  public void purgeExpired() {
    challenges.purge(engine.clock().instant());
  }

  /**
   * Records an approval or rejection whose body could not be read as one (an altered challenge, a
   * signature that is not base64, a missing field) on an existing decision: what was wrong, never the
   * body. Charged to the approver's rate, and recorded within a budget of its own per decision
   * ({@link DecisionEngine#MAX_RECORDED_UNAUTHENTICATED_REFUSALS}): made-up bodies cannot crowd out
   * the record of real attempts.
   */
  public void malformed(Principal caller, String decisionId, boolean reject, List<dev.arbiter.core.decision.FieldError> errors) {
    if (!limiter.tryAcquire("approver:" + caller.subject(), engine.security().approverPerMinute(), engine.clock().instant())) {
      return; // over the approver's rate: refused (400) and not recorded, as any attempt past the limit
    }
    DecisionState d;
    try {
      d = engine.stored(decisionId);
    } catch (EngineException e) {
      return; // no such decision: nothing to attach the refusal to
    }
    ObjectNode p = F.objectNode().put("reason", "malformed_submission").put("actor", caller.subject())
        .put("intent", reject ? Challenge.REJECT : Challenge.APPROVE);
    var problems = p.putArray("errors");
    // Codes only: a path can name a field the caller made up, and what a caller sends is not recorded.
    errors.stream().limit(8).forEach(f -> problems.add(clip(f.code())));
    engine.recordMalformedRefusal(d, DecisionProjection.APPROVAL_REJECTED, new Actor(caller.subject(), "approver"), p);
  }

  private static String clip(String s) {
    return s == null ? "" : s.length() > 64 ? s.substring(0, 64) + "…" : s;
  }

  /** Records a refused token on an approval route of an existing decision (the HTTP layer calls this). */
  public void unauthenticated(String decisionId, String tokenReason) {
    try {
      DecisionState d = engine.stored(decisionId);
      engine.recordUnauthenticatedRefusal(d, DecisionProjection.APPROVAL_REJECTED, new Actor("unauthenticated", "approver"),
          F.objectNode().put("reason", "token_invalid").put("token_reason", tokenReason));
    } catch (EngineException e) {
      // no such decision (or the ledger is unreadable): nothing to attach the refusal to
    }
  }

  public DecisionState approve(Principal caller, String decisionId, ApprovalSubmission s) throws EngineException {
    return decide(caller, decisionId, s, Challenge.APPROVE);
  }

  public DecisionState reject(Principal caller, String decisionId, ApprovalSubmission s) throws EngineException {
    return decide(caller, decisionId, s, Challenge.REJECT);
  }

  private DecisionState decide(Principal caller, String decisionId, ApprovalSubmission s, String intent)
      throws EngineException {
    Instant now = engine.clock().instant();
    DecisionState found = engine.stored(decisionId);
    Refusals refuse = new Refusals(found, caller, s);
    if (!limiter.tryAcquire("approver:" + caller.subject(), engine.security().approverPerMinute(), now)) {
      throw rateLimited(refuse, now);
    }
    // 1. the key: enrolled, not revoked, the caller's own
    KeyRegistry.EnrolledKey key = engine.keys().find(s.keyId()).orElse(null);
    if (key == null) {
      throw refuse.as("key_not_enrolled", "key " + s.keyId() + " is not enrolled");
    }
    if (key.revoked()) {
      throw refuse.as("key_revoked", "key " + s.keyId() + " was revoked at " + key.revokedAt().get());
    }
    if (!key.subject().equals(caller.subject())) {
      throw refuse.as("key_not_owned", "key " + s.keyId() + " is not enrolled by the caller");
    }
    // 2. the signature over exactly the submitted challenge
    try {
      key.key().verify(s.challenge().signingInput(), s.signature());
    } catch (SignatureVerificationException e) {
      throw refuse.as("bad_signature", "the signature does not verify over the challenge with key " + s.keyId());
    }
    // 3. the challenge: issued by this engine to this caller for this decision and intent, unused, in time
    Challenge c = s.challenge();
    if (!c.decisionId().equals(decisionId) || !c.intent().equals(intent)) {
      throw refuse.as("challenge_mismatch", "the challenge was issued for " + c.intent() + " of decision `"
          + c.decisionId() + "`, not for " + intent + " of this one");
    }
    if (found.approvals().usedNonces().contains(c.nonce()) || challenges.consumed(c.nonce())) {
      if (intent.equals(Challenge.APPROVE) && found.approvals().accepted().stream().anyMatch(a -> a.nonce().equals(c.nonce())
          && a.keyId().equals(s.keyId().value()) && a.signer().actor().equals(caller.subject()))) {
        // This very approval again (its signature just verified over this challenge with the caller's
        // own key). Still refused and recorded, as every replay is, but saying that the first one counts:
        // a client retrying after an engine restart (its idempotency record gone with the process) read
        // a bare "already used" as its approval refused (black-box run).
        throw refuse.as("nonce_used", "this challenge was already used, by this same approval: it is recorded and counts");
      }
      throw refuse.as("nonce_used", "this challenge was already used");
    }
    ChallengeStore.Issued issued = challenges.take(c.nonce(), caller.subject(), c).orElse(null);
    if (issued == null) {
      if (challenges.expiredUnused(c.nonce(), caller.subject(), c)) {
        throw refuse.as("challenge_expired", "the challenge expired unused at " + c.expiresAt());
      }
      throw refuse.as("unknown_challenge", "this engine did not issue this challenge to the caller");
    }
    if (!now.isBefore(c.expiresAt())) {
      throw refuse.as("challenge_expired", "the challenge expired at " + c.expiresAt());
    }
    ReentrantLock lock = engine.lock(decisionId);
    lock.lock();
    // Shared with other approvals; a revocation of this key waits until this approval is recorded.
    java.util.concurrent.locks.Lock keyUse = engine.keys().keyUse(s.keyId());
    boolean keyUseHeld = false;
    try {
      keyUse.lock();
      keyUseHeld = true;
      engine.requireConfirmed(decisionId);
      DecisionState d = engine.find(decisionId);
      refuse = new Refusals(d, caller, s);
      // 4. the decision: still pending, under the policy the challenge pinned
      if (d.status() != DecisionStatus.PENDING_AUTHORITY) {
        refuse.record("decision_not_pending", "decision is " + d.status().wireName());
        throw new EngineException.ApprovalRejected(decisionId, "decision_not_pending",
            "decision `" + decisionId + "` is " + d.status().wireName() + ", not pending_authority", d.status());
      }
      if (!c.policyHash().equals(d.policyHash())) {
        throw refuse.as("policy_changed", "the challenge pins another policy than the decision");
      }
      if (intent.equals(Challenge.APPROVE) && !engine.underActivePolicy(d)) {
        throw refuse.as("policy_superseded", engine.supersededPolicy(d));
      }
      // 5. authority: level or role, and domain
      AuthorityRequirement requirement = EvaluationJson.authorityFromJson(d.evaluation().get("authority"));
      String band = d.evaluation().get("risk").path("band").asText("");
      if (!Quorum.qualifies(requirement, new Signer(caller.subject(), caller.level(), caller.roles()))) {
        throw refuse.as("insufficient_level", "approvals need " + describe(requirement) + "; the caller has "
            + caller.level().map(Enum::name).orElse("no level") + " " + caller.roles());
      }
      // Authority counts per role: a level only in the domains of the role that grants it.
      String domain = engine.security().domainOf(d.actionClass());
      Signer signer = new Signer(caller.subject(), caller.levelIn(domain), caller.rolesIn(domain));
      if (!Quorum.qualifies(requirement, signer)) {
        throw refuse.as("wrong_domain", "no role of the caller grants " + describe(requirement) + " in `" + domain
            + "` (the caller's roles cover " + caller.domains() + ")");
      }
      // Charged only now, for callers with the authority to approve: anyone may enrol a key and sign
      // a challenge of their own making, and must not use up the budget of the decision's approvers.
      if (!limiter.tryAcquire("decision:" + decisionId, engine.security().decisionPerMinute(), now)) {
        throw rateLimited(refuse, now);
      }
      // The key may have been revoked since it was checked (outside these locks); from here on, a
      // revocation waits for this approval to be recorded.
      if (engine.keys().find(s.keyId()).map(KeyRegistry.EnrolledKey::revoked).orElse(true)) {
        throw refuse.as("key_revoked", "key " + s.keyId() + " was revoked");
      }
      // 6. people: never the requester, each one once
      if (d.proposer().filter(caller.subject()::equals).isPresent()) {
        throw refuse.as("self_approval", "the requester cannot approve or reject their own decision");
      }
      if (d.approvals().accepted().stream().anyMatch(a -> a.signer().actor().equals(caller.subject())
          && now.isBefore(a.signedAt().plus(requirement.approvalTtl())))) {
        throw refuse.as("already_signed", "the caller already approved this decision");
      }
      if (s.rationale().isEmpty() && (band.equals("high") || band.equals("critical"))) {
        throw refuse.as("rationale_required", "a rationale is required for " + band + "-risk decisions");
      }
      List<EventDraft> drafts = new ArrayList<>();
      ObjectNode payload = F.objectNode().put("actor", caller.subject())
          .put("role", signer.level().map(Enum::name).orElse(signer.roles().isEmpty() ? "none" : signer.roles().get(0)));
      signer.level().ifPresentOrElse(l -> payload.put("level", l.name()), () -> payload.putNull("level"));
      signer.roles().forEach(payload.putArray("roles")::add);
      payload.put("intent", intent).put("method", key.key().algorithm().wireName()).put("key_id", s.keyId().value())
          .put("signature_ref", Base64.getEncoder().encodeToString(s.signature()))
          .put("nonce", c.nonce()).put("signed_at", now.toString()).put("domain", domain);
      payload.set("challenge", c.toJson());
      s.rationale().ifPresentOrElse(r -> payload.put("rationale", r), () -> payload.putNull("rationale"));
      Actor actor = new Actor(caller.subject(), "approver");
      if (intent.equals(Challenge.REJECT)) {
        drafts.add(new EventDraft(decisionId, DecisionProjection.REJECTION_ADDED, d.policyHash(), actor, payload));
        drafts.add(result(d, "deny", DecisionStatus.DENIED));
        return engine.commit(d, drafts);
      }
      drafts.add(new EventDraft(decisionId, DecisionProjection.APPROVAL_ADDED, d.policyHash(), actor, payload));
      for (ObjectNode signal : anomalies.signals(caller.subject(), domain, band, c.issuedAt(), now)) {
        drafts.add(DecisionTrail.engineEvent(decisionId, DecisionProjection.APPROVAL_ANOMALY, d.policyHash(), signal));
      }
      List<Signer> valid = new ArrayList<>();
      for (DecisionApprovals.Accepted a : d.approvals().accepted()) {
        if (now.isBefore(a.signedAt().plus(requirement.approvalTtl())) && !a.signer().actor().equals(caller.subject())) {
          valid.add(a.signer()); // an approval older than approval_ttl no longer counts
        }
      }
      valid.add(signer);
      boolean met = Quorum.evaluate(requirement, valid).met();
      if (met) {
        drafts.add(result(d, "allow", DecisionStatus.AUTHORIZED));
      }
      DecisionState next = engine.commit(d, drafts);
      anomalies.remember(caller.subject(), domain, now);
      if (!met) {
        return next;
      }
      try {
        return engine.grants().issue(decisionId);
      } catch (EngineException.Degraded e) {
        // The approval and the authorisation are recorded; only the grant is not. Answering 503 would
        // tell the approver their approval failed (and a retry is refused: decision_not_pending). The
        // proposer's GET /v1/decisions/{id}/grant issues the grant once the ledger confirms again.
        LOG.warn("decision {} authorized; its grant could not be recorded yet ({}): the proposer's next grant fetch issues it",
            decisionId, e.getMessage());
        return next;
      }
    } finally {
      if (keyUseHeld) {
        keyUse.unlock();
      }
      lock.unlock();
    }
  }

  /** What is still missing for this decision's quorum (for the API). */
  public Quorum.Result quorum(DecisionState d) {
    return quorum(d, d.evaluation() == null ? null : d.evaluation().get("authority"));
  }

  /** {@link #quorum(DecisionState)} for a caller that already parsed the evaluation's {@code authority}. */
  public Quorum.Result quorum(DecisionState d, com.fasterxml.jackson.databind.JsonNode authority) {
    if (authority == null || !authority.isObject()) {
      return new Quorum.Result(false, 0, List.of());
    }
    AuthorityRequirement requirement = EvaluationJson.authorityFromJson(authority);
    Instant now = engine.clock().instant();
    List<Signer> valid = d.approvals().accepted().stream()
        .filter(a -> now.isBefore(a.signedAt().plus(requirement.approvalTtl()))).map(DecisionApprovals.Accepted::signer).toList();
    return Quorum.evaluate(requirement, valid);
  }

  private static EngineException.RateLimited rateLimited(Refusals refuse, Instant now) {
    refuse.record("rate_limited", "too many approval attempts");
    return tooMany("approval attempts", now);
  }

  private static EngineException.RateLimited tooMany(String what, Instant now) {
    long seconds = RateLimiter.secondsLeft(now);
    return new EngineException.RateLimited("too many " + what + "; retry in " + seconds + " s",
        java.time.Duration.ofSeconds(seconds));
  }

  private static EventDraft result(DecisionState d, String outcome, DecisionStatus status) {
    ObjectNode p = F.objectNode().put("outcome", outcome).put("status", status.wireName());
    p.putNull("expires_at");
    return DecisionTrail.engineEvent(d.id(), DecisionProjection.RESULT, d.policyHash(), p);
  }

  private static String describe(AuthorityRequirement r) {
    return (r.levels().isEmpty() ? "" : "a level in " + r.levels().stream().sorted().toList())
        + (r.roles().isEmpty() ? "" : (r.levels().isEmpty() ? "" : " or ") + "a role in " + r.roles());
  }

  /** Records and builds refusals for one submission. */
  private final class Refusals {
    private final DecisionState d;
    private final Principal caller;
    private final ApprovalSubmission s;

    Refusals(DecisionState d, Principal caller, ApprovalSubmission s) {
      this.d = d;
      this.caller = caller;
      this.s = s;
    }

    void record(String reason, String detail) {
      ObjectNode p = F.objectNode().put("reason", reason).put("detail", detail).put("actor", caller.subject())
          .put("key_id", s.keyId().value()).put("intent", s.challenge().intent()).put("nonce", s.challenge().nonce())
          .put("challenge_decision_id", s.challenge().decisionId());
      engine.recordApprovalRefusal(d, caller, p);
    }

    EngineException.ApprovalRejected as(String reason, String detail) {
      record(reason, detail);
      return new EngineException.ApprovalRejected(d.id(), reason, detail, null);
    }
  }
}
