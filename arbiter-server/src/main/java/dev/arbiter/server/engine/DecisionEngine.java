package dev.arbiter.server.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.crypto.Sha256;
import dev.arbiter.core.decision.DecisionRequest;
import dev.arbiter.core.decision.DecisionRequestJson;
import dev.arbiter.core.decision.DecisionStatus;
import dev.arbiter.core.decision.Evaluation;
import dev.arbiter.core.decision.IllegalTransitionException;
import dev.arbiter.core.id.Ulid;
import dev.arbiter.core.policy.PolicyBundle;
import dev.arbiter.core.policy.PolicyRef;
import dev.arbiter.ledger.AppendedEvent;
import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.LedgerUnavailableException;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.event.Actor;
import dev.arbiter.ledger.event.EventDraft;
import dev.arbiter.ledger.receipt.Receipt;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.StoredEntry;
import dev.arbiter.server.config.ServerConfig;
import dev.arbiter.server.identity.Principal;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decision service: evaluate with the pinned bundle, record the trail on the ledger, answer only
 * once the ledger confirmed. No HTTP in here.
 *
 * <ul>
 *   <li><b>Fail closed</b>: if the ledger does not confirm within {@code ledgerTimeout}, the answer is
 *       {@link EngineException.Degraded} (outcome {@code queue}), never an allow, and nothing is kept
 *       unless the ledger confirms later (then a retry with the same key replays that decision).
 *   <li><b>Idempotency</b>: an Idempotency-Key is claimed before evaluation, so concurrent duplicates
 *       wait for the first and get its decision; a different request under a used key is a recorded
 *       conflict. A key is the caller's own ({@link IdempotencyKey#scoped}), and the start-up replay
 *       remembers the key of every decision in the window, not only of the cached states.
 *   <li><b>State</b>: a bounded projection of the ledger ({@link DecisionProjection}), rebuilt from it
 *       at start; per-decision changes are serialised by a striped lock, and a change whose append is
 *       still unconfirmed blocks further changes to that decision.
 * </ul>
 */
public final class DecisionEngine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DecisionEngine.class);
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final Ledger ledger;
  private final PolicyBundle bundle;
  private final Clock clock;
  private final ServerConfig config;
  private final dev.arbiter.server.config.SecurityConfig security;
  private final Ulid ids;
  private final DecisionCache cache;
  /** Pending decisions by id, in id order (ids are time-ordered ULIDs: oldest first). */
  private final java.util.concurrent.ConcurrentSkipListMap<String, PendingDecision> pending =
      new java.util.concurrent.ConcurrentSkipListMap<>();
  private final Map<String, CompletableFuture<?>> unconfirmed = new ConcurrentHashMap<>();
  private final java.util.concurrent.locks.ReentrantLock[] locks = new java.util.concurrent.locks.ReentrantLock[256];
  private volatile boolean closed;
  private volatile boolean ledgerConfirming = true;

  private KeyRegistry keys;
  private ApprovalService approvals;
  private GrantIssuer grants;
  private Executions executions;
  private final IdentityHealth identityHealth;
  private final SubmissionQuota submissions;

  private DecisionEngine(Ledger ledger, PolicyBundle bundle, Clock clock, ServerConfig config,
      dev.arbiter.server.config.SecurityConfig security) {
    this.ledger = ledger;
    this.bundle = bundle;
    this.clock = clock;
    this.config = config;
    this.security = security;
    this.identityHealth = new IdentityHealth(this);
    this.ids = Ulid.create(clock, new SecureRandom());
    this.cache = new DecisionCache(config.maxCachedDecisions(), config.idempotencyWindow());
    this.submissions = new SubmissionQuota(config, clock, pending::values, cache::knows, System::nanoTime);
    for (int i = 0; i < locks.length; i++) {
      locks[i] = new java.util.concurrent.locks.ReentrantLock();
    }
  }

  /**
   * Starts an engine on an open ledger with the active (already verified) bundle, replaying the
   * decisions already on the ledger.
   */
  public static DecisionEngine start(Ledger ledger, PolicyBundle bundle, Clock clock, ServerConfig config,
      dev.arbiter.server.config.SecurityConfig security) throws LedgerStoreException {
    DecisionEngine engine = new DecisionEngine(ledger, bundle, clock, config, security);
    engine.keys = KeyRegistry.replay(engine);
    engine.grants = new GrantIssuer(engine);
    engine.approvals = new ApprovalService(engine);
    engine.executions = new Executions(engine);
    int replayed = DecisionReplay.all(ledger, engine.cache, engine.pending, config.maxCachedDecisions());
    LOG.info("replayed {} decisions from the ledger ({} in memory, {} pending)", replayed, engine.cache.size(),
        engine.pending.size());
    return engine;
  }

  public KeyRegistry keys() {
    return keys;
  }

  public ApprovalService approvals() {
    return approvals;
  }

  public GrantIssuer grants() {
    return grants;
  }

  public Executions executions() {
    return executions;
  }

  public IdentityHealth identityHealth() {
    return identityHealth;
  }

  /** The per-caller quotas on new decisions (the HTTP layer knows the caller). */
  public SubmissionQuota submissions() {
    return submissions;
  }

  String newId(String prefix) {
    return prefix + ids.next();
  }

  Ledger ledger() {
    return ledger;
  }

  /**
   * The latest checkpoint the ledger signed and synced: what a witness keeps outside the database's
   * reach, for {@code ledger verify --trusted-checkpoint} to catch a later truncation or rewrite.
   */
  public dev.arbiter.ledger.checkpoint.Checkpoint latestCheckpoint() {
    return ledger.latestCheckpoint();
  }

  Clock clock() {
    return clock;
  }

  ServerConfig config() {
    return config;
  }

  public dev.arbiter.server.config.SecurityConfig security() {
    return security;
  }

  /** Who may read a decision, from its action class and proposer (the listing's filter). */
  @FunctionalInterface
  public interface Readable {
    boolean test(String actionClass, Optional<String> proposer);
  }

  /**
   * The oldest pending decisions that {@code readable} accepts, at most {@code limit}. Filtered on
   * what the engine keeps of each pending decision while scanning all of them in id (time) order, so
   * that decisions of other domains, which agents can create freely, never hide an approver's own,
   * and only the ones listed are loaded. A state re-read from the ledger carries no receipt (none is
   * rebuilt for a listing).
   */
  public List<DecisionState> pendingDecisions(int limit, Readable readable) throws EngineException {
    List<DecisionState> out = new java.util.ArrayList<>();
    for (Map.Entry<String, PendingDecision> e : pending.entrySet()) {
      if (!readable.test(e.getValue().actionClass(), e.getValue().proposer())) {
        continue;
      }
      DecisionState d;
      try {
        d = current(e.getKey());
      } catch (DecisionReplay.UnfoldableStreamException ex) {
        unfoldable(e.getKey(), ex); // one decision the ledger cannot vouch for must not fail the listing for everyone
        continue;
      } catch (RuntimeException ex) {
        LOG.warn("pending decision {} left out of this listing: {}", e.getKey(), ex.toString()); // a passing fault
        continue;
      }
      if (d.status() == DecisionStatus.PENDING_AUTHORITY) {
        out.add(d);
        if (out.size() == limit) {
          break;
        }
      }
    }
    return out;
  }

  public PolicyRef activePolicy() {
    return new PolicyRef(bundle.hash(), bundle.version());
  }

  /**
   * Whether {@code d} was decided under the bundle this engine runs. A decision pinned to a bundle
   * that was superseded since (a restart with another bundle) can no longer be approved, granted or
   * executed: it would authorise an action under a policy the operator retired (DESIGN §5: never an
   * older policy). It can still be rejected, cancelled or left to expire; the proposer submits again.
   */
  public boolean underActivePolicy(DecisionState d) {
    return d.policyHash().equals(bundle.hash());
  }

  /** Why {@code d} cannot be authorised now (see {@link #underActivePolicy}). */
  String supersededPolicy(DecisionState d) {
    return "decision `" + d.id() + "` was made under policy " + d.policyHash() + ", which was superseded by "
        + bundle.hash() + " (version " + bundle.version() + "); submit the request again";
  }

  /**
   * Ready: not closed, the ledger's latest append (if any) was confirmed, and its store answers. After
   * a failed append the engine is not ready until an append succeeds again.
   */
  private volatile StartupVerification integrity = StartupVerification.skipped("not checked");

  /** The result of the check the server ran before this engine started (see {@link StartupVerification}). */
  public void verifiedAtStart(StartupVerification check) {
    integrity = check;
  }

  public StartupVerification integrity() {
    return integrity;
  }

  /**
   * Refuses a change while the ledger has failed its check at start: nothing is decided on a ledger
   * that does not verify.
   */
  public void requireIntactLedger() throws EngineException.LedgerIntegrityFailed {
    java.util.Optional<String> failed = integrity.failure();
    if (failed.isPresent()) {
      throw new EngineException.LedgerIntegrityFailed("the ledger failed an integrity check; every change is refused"
          + " until it is investigated: " + failed.get());
    }
  }

  public boolean ready() {
    if (closed || !ledgerConfirming || integrity.failure().isPresent()) {
      return false;
    }
    try {
      ledger.store().size();
      return true;
    } catch (LedgerStoreException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Evaluates and records a new decision, or replays the one this caller's key already produced.
   *
   * @param caller the authenticated subject submitting it: its Idempotency-Keys are its own (another
   *     caller's same key is another key), and it is recorded as {@code decision.created}'s actor, which
   *     is what scopes the key again after a restart. The request's actor, when it names one, must be
   *     this caller (the HTTP route refuses any other).
   */
  public Submission submit(DecisionRequest request, IdempotencyKey key, String caller) throws EngineException {
    if (caller == null || caller.isBlank()) {
      throw new IllegalArgumentException("a decision is submitted by an authenticated caller");
    }
    String scopedKey = key.scopedTo(caller);
    // A request carrying a credential is denied by the policy evaluation (given the findings of this
    // one scan), and only its redacted form is ever hashed or recorded: the ledger is append-only, and a hash of the full
    // request would let anyone who reads the ledger guess a weak secret offline.
    List<dev.arbiter.core.secrets.SecretFinding> findings = dev.arbiter.core.secrets.SecretScanner.scan(request);
    DecisionRequest recordable = dev.arbiter.core.secrets.SecretScanner.redact(request, findings);
    String requestHash;
    try {
      requestHash = Sha256.prefixed(Sha256.digest(CanonicalJson.encode(DecisionRequestJson.toJson(recordable))));
    } catch (dev.arbiter.core.canonical.CanonicalJsonException e) {
      // Valid JSON without a canonical form (an integer beyond 2^53, a non-finite number, a lone
      // surrogate): it could never be hashed or recorded, so it is bad input, not a server error.
      throw new EngineException.InvalidInput(List.of(CanonicalBodies.notCanonical(e)));
    }
    CompletableFuture<DecisionState> result = new CompletableFuture<>();
    // The slot keeps only the id (once done, the state is not referenced from the key window).
    DecisionCache.Slot mine = new DecisionCache.Slot(requestHash, result.thenApply(DecisionState::id));
    DecisionCache.Slot prior = cache.claim(scopedKey, mine);
    if (prior != null) {
      return replay(prior, requestHash, key);
    }
    try {
      requireOpen();
      String id = "dec_" + ids.next();
      Evaluation evaluation = bundle.evaluate(request, findings);
      Optional<Instant> expiry = DecisionTrail.expiry(evaluation, clock.instant());
      List<EventDraft> drafts = DecisionTrail.of(id, recordable, evaluation, key, requestHash, expiry, caller);
      DecisionState folded = null;
      for (EventDraft d : drafts) {
        folded = DecisionProjection.apply(folded, id, d);
      }
      DecisionState recorded = folded;
      // An auto-allowed decision's grant and its grant.issued go into the trail's commit (one durable
      // write per decision); if that follow-up fails, the grant is issued on its own below.
      AtomicReference<GrantIssuer.Prepared> grant = new AtomicReference<>();
      var appended = recorded.status() == DecisionStatus.AUTHORIZED
          ? ledger.appendAll(drafts, trail -> grants.followUp(recorded, trail, grant))
          : ledger.appendAll(drafts);
      appended.whenComplete((events, err) -> {
        if (err != null) {
          cache.release(scopedKey, mine);
          result.completeExceptionally(err);
          return;
        }
        ledgerConfirming = true; // only a confirmed append says the ledger is back, never a replay
        AppendedEvent last = events.get(events.size() - 1);
        GrantIssuer.Prepared issued = events.size() > drafts.size() ? grant.get() : null;
        DecisionState d = recorded;
        if (issued != null) {
          try {
            d = DecisionProjection.apply(recorded, id, issued.issued());
          } catch (IllegalTransitionException e) {
            // grant.issued changes no status, so this cannot happen; if it did, the recorded grant
            // never leaves (the decision is answered without it and a grant is issued on its own)
            LOG.error("decision {}: grant.issued did not fold: {}", id, e.getMessage());
            issued = null;
          }
        }
        d = withAuthorizingLeaf(d.at(last.receipt().leafIndex(), Optional.of(last.receipt())), events);
        if (issued != null) {
          d = d.withApprovals(d.approvals().withGrant(issued.issuedGrant()));
        }
        cache.put(d);
        DecisionState created = d;
        d.expiresAt().ifPresent(t -> pending.put(id, PendingDecision.of(created, t)));
        result.complete(d);
      });
    } catch (IllegalTransitionException | RuntimeException | Error e) {
      cache.release(scopedKey, mine);
      result.completeExceptionally(e);
      if (e instanceof Error err) {
        throw err;
      }
      throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
    } catch (EngineException.Degraded e) {
      cache.release(scopedKey, mine);
      result.completeExceptionally(e);
      throw e;
    }
    DecisionState decided = withReceipt(await(result));
    if (decided.status() == DecisionStatus.AUTHORIZED && decided.approvals().grant().isEmpty()) {
      decided = grants.issue(decided.id());
    }
    return new Submission(decided, false);
  }

  private Submission replay(DecisionCache.Slot prior, String requestHash, IdempotencyKey key) throws EngineException {
    DecisionState first = find(await(prior.decisionId()));
    if (!prior.requestHash().equals(requestHash)) {
      ObjectNode payload = F.objectNode().put("reason", "idempotency_conflict")
          .put("idempotency_key_hash", key.hash()).put("request_hash", requestHash);
      recordRefusal(first, DecisionProjection.REQUEST_REJECTED, DecisionTrail.ENGINE, payload);
      throw new EngineException.IdempotencyConflict(first.id());
    }
    return new Submission(find(first.id()), true);
  }

  /**
   * Applies and records several events of one decision in one ledger transaction, publishing the new
   * state only once the ledger confirmed. The caller holds the decision's lock and checked {@link
   * #requireConfirmed}.
   */
  DecisionState commit(DecisionState d, List<EventDraft> drafts) throws EngineException {
    DecisionState next = d;
    try {
      for (EventDraft draft : drafts) {
        next = DecisionProjection.apply(next, d.id(), draft);
      }
    } catch (IllegalTransitionException e) {
      throw new EngineException.TransitionRefused(d.id(), e.from(), e.to(), e.getMessage());
    }
    requireOpen();
    DecisionState folded = next;
    CompletableFuture<DecisionState> published = ledger.appendAll(drafts).thenApply(events -> {
      ledgerConfirming = true;
      AppendedEvent last = events.get(events.size() - 1);
      DecisionState s = withAuthorizingLeaf(folded.at(last.receipt().leafIndex(), Optional.of(last.receipt())),
          events);
      cache.put(s);
      if (s.status() != DecisionStatus.PENDING_AUTHORITY) {
        pending.remove(s.id());
      }
      return s;
    });
    unconfirmed.put(d.id(), published);
    published.whenComplete((s, err) -> unconfirmed.remove(d.id(), published));
    return await(published);
  }

  /** Notes which leaf authorised the decision when this batch did (the fold ran before leaves were known). */
  private static DecisionState withAuthorizingLeaf(DecisionState s, List<AppendedEvent> events) {
    if (s.status() != DecisionStatus.AUTHORIZED || s.approvals().authorizedAtLeaf() >= 0) {
      return s;
    }
    for (AppendedEvent e : events) {
      if (e.envelope().eventType().equals(DecisionProjection.RESULT)) {
        return s.withApprovals(s.approvals().withAuthorizedAt(e.receipt().leafIndex()));
      }
    }
    return s;
  }

  /** How long a read waits for the checkpoint that covers a leaf just committed (sync and signature). */
  static final java.time.Duration COVERAGE_WAIT = java.time.Duration.ofMillis(500);

  /** A receipt for one leaf against the latest checkpoint. */
  Receipt receiptOf(long leaf) throws EngineException {
    try {
      // A leaf committed but not yet synced and signed is beyond the latest checkpoint for a moment.
      Checkpoint cp = ledger.checkpointCovering(leaf, COVERAGE_WAIT).orElseThrow(() -> new EngineException.Degraded(
          "leaf " + leaf + " is not under a signed checkpoint yet", config.retryAfter()));
      StoredEntry entry = ledger.store().entry(leaf)
          .orElseThrow(() -> new IllegalStateException("leaf " + leaf + " is missing"));
      return new Receipt(leaf, HashValue.of(entry.entryHash()), ledger.inclusionProof(leaf, cp.treeSize()), cp);
    } catch (LedgerStoreException e) {
      LOG.error("the ledger cannot build a receipt for leaf {}: {}", leaf, e.getMessage());
      throw new EngineException.Degraded("the ledger cannot build a receipt", config.retryAfter());
    }
  }

  /**
   * The envelope stored at {@code leaf}, as JSON (its canonical form is the bytes the entry hash
   * covers): with a receipt that carries the previous hash, whoever holds it can check offline that
   * the receipt is for exactly this event.
   */
  public com.fasterxml.jackson.databind.JsonNode envelopeAt(long leaf) throws EngineException {
    try {
      StoredEntry entry = ledger.store().entry(leaf).orElseThrow(() -> new IllegalStateException("leaf " + leaf + " is missing"));
      return dev.arbiter.core.canonical.StrictJson.parse(entry.envelope());
    } catch (LedgerStoreException e) {
      LOG.error("the ledger cannot read back leaf {}: {}", leaf, e.getMessage());
      throw new EngineException.Degraded("the ledger cannot read back the recorded event", config.retryAfter());
    }
  }

  /** Keeps a state that only changed in memory (an issued grant) in the cache. */
  void remember(DecisionState d) {
    cache.put(d);
  }

  /** Appends one event outside any decision stream (keys, governance) and waits for the ledger. */
  AppendedEvent appendSystem(EventDraft draft) throws EngineException {
    requireOpen();
    AppendedEvent ev = await(ledger.append(draft));
    ledgerConfirming = true;
    return ev;
  }

  /** The decision's current state with the receipt of its latest event. */
  public DecisionState find(String decisionId) throws EngineException {
    return withReceipt(current(decisionId));
  }

  /**
   * {@link #find} without building a receipt for a state that has none (one re-read from the ledger):
   * for answers that show no receipt (the pending listing), since each rebuilt receipt is an inclusion
   * proof read from the store.
   */
  DecisionState current(String decisionId) throws EngineException {
    DecisionState d = loaded(decisionId);
    if (d.status() == DecisionStatus.PENDING_AUTHORITY && d.expiresAt().filter(t -> !clock.instant().isBefore(t)).isPresent()) {
      // Past its TTL but not swept yet: expire it now rather than report it as pending.
      d = expireNow(decisionId);
    }
    return d;
  }

  private DecisionState expireNow(String decisionId) throws EngineException {
    java.util.concurrent.locks.ReentrantLock lock = lock(decisionId);
    lock.lock();
    try {
      requireConfirmed(decisionId);
      DecisionState d = stored(decisionId);
      Instant now = clock.instant();
      if (d.status() != DecisionStatus.PENDING_AUTHORITY || d.expiresAt().filter(t -> !now.isBefore(t)).isEmpty()) {
        return d;
      }
      ObjectNode payload = F.objectNode().put("expires_at", d.expiresAt().get().toString()).put("expired_at", now.toString());
      return transition(d, DecisionProjection.EXPIRED, DecisionTrail.ENGINE, payload, null);
    } finally {
      lock.unlock();
    }
  }

  DecisionState stored(String decisionId) throws EngineException {
    return withReceipt(loaded(decisionId));
  }

  /** The latest state of a decision, from the cache or re-read from its stream; its receipt may be absent. */
  private DecisionState loaded(String decisionId) throws EngineException {
    DecisionState d = cache.get(decisionId).orElse(null);
    if (d != null) {
      return d;
    }
    // A read that a change overtook (cached and evicted meanwhile) is read once more, so that a caller
    // does not see its own change undone (review); a second such race answers the older read.
    for (int read = 0; read < 2 && (d == null || d.lastLeafIndex() < cache.ends().end(decisionId)); read++) {
      try {
        d = DecisionReplay.one(ledger, decisionId, cache.ends()).orElseThrow(() -> new EngineException.NotFound(decisionId));
      } catch (DecisionReplay.StreamIntegrityException e) {
        // Edited under the running engine: nothing more is decided on this ledger until someone looks.
        integrity.markFailed(e.getMessage());
        requireIntactLedger();
        throw new IllegalStateException("unreachable: the failure was just marked", e);
      } catch (DecisionReplay.NotCoveredYet e) {
        // Verified once a checkpoint covers it; until then nothing is served (or cached) from it.
        throw new EngineException.Degraded(e.getMessage(), config.retryAfter());
      } catch (LedgerStoreException e) {
        LOG.error("the ledger cannot be read (decision {}): {}", decisionId, e.getMessage());
        throw new EngineException.Degraded("the ledger cannot be read", config.retryAfter());
      }
      d = cache.putIfNewer(d);
    }
    return d;
  }

  /**
   * Records a cancel of an existing decision whose body could not be read as one (malformed JSON, an
   * unknown field, a secret in the reason): the codes of what was wrong, never the body, within the
   * decision's budget for malformed refusals (black-box run: these left nothing on the stream, while
   * malformed approvals did).
   */
  public void malformedCancel(Principal caller, String decisionId, List<dev.arbiter.core.decision.FieldError> errors) {
    DecisionState d;
    try {
      d = loaded(decisionId);
    } catch (EngineException e) {
      return; // no such decision (or not readable now): nothing to attach the refusal to
    }
    ObjectNode p = F.objectNode().put("requested", DecisionStatus.CANCELLED.wireName()).put("by", caller.subject())
        .put("reason", "malformed_cancel");
    var problems = p.putArray("errors");
    errors.stream().limit(8).forEach(f -> problems.add(f.code().length() > 64 ? f.code().substring(0, 64) : f.code()));
    recordMalformedRefusal(d, DecisionProjection.TRANSITION_REJECTED, actor(caller, d), p);
  }

  /** {@code caller} as the actor of an attempt on {@code d}, with the role they hold towards it. */
  private Actor actor(Principal caller, DecisionState d) {
    return new Actor(caller.subject(), DecisionReaders.roleOf(security(), caller, d.actionClass(), d.proposer()));
  }

  /**
   * Cancels a decision on its proposer's request. {@code caller} is who sent it: a refusal is recorded
   * with the role they hold towards the decision, never as by its proposer.
   */
  public Submission cancel(Principal caller, String decisionId, CancelRequest request, IdempotencyKey key)
      throws EngineException {
    java.util.concurrent.locks.ReentrantLock lock = lock(decisionId);
    lock.lock();
    try {
      requireConfirmed(decisionId);
      DecisionState d = find(decisionId);
      if (d.status() == DecisionStatus.CANCELLED && d.cancelKeyHash().filter(key.hash()::equals).isPresent()
          && d.proposer().filter(request.actorId()::equals).isPresent()) {
        return new Submission(d, true); // the same cancel, retried by the same proposer
      }
      ObjectNode refusal = F.objectNode().put("requested", DecisionStatus.CANCELLED.wireName())
          .put("from", d.status().wireName()).put("by", request.actorId()).put("idempotency_key_hash", key.hash());
      if (d.proposer().filter(request.actorId()::equals).isEmpty()) {
        recordCallerRefusal(d, caller, DecisionProjection.TRANSITION_REJECTED, actor(caller, d),
            refusal.put("reason", "not_proposer"));
        throw new EngineException.NotProposer(decisionId);
      }
      Actor actor = new Actor(request.actorId(), "proposer");
      ObjectNode payload = F.objectNode().put("by", request.actorId()).put("idempotency_key_hash", key.hash());
      request.reason().ifPresent(r -> payload.put("reason", r));
      return new Submission(transition(d, DecisionProjection.CANCELLED, actor, payload, refusal), false);
    } finally {
      lock.unlock();
    }
  }

  /** Expires every pending decision whose TTL has passed on the engine's clock; returns how many. */
  public int expireDue() {
    Instant now = clock.instant();
    int expired = 0;
    for (Map.Entry<String, PendingDecision> e : pending.entrySet()) {
      if (now.isBefore(e.getValue().expiresAt()) || closed) {
        continue;
      }
      String id = e.getKey();
      java.util.concurrent.locks.ReentrantLock lock = lock(id);
      lock.lock();
      try {
        try {
          requireConfirmed(id);
          DecisionState d = stored(id);
          if (d.status() != DecisionStatus.PENDING_AUTHORITY) {
            pending.remove(id);
            continue;
          }
          ObjectNode payload = F.objectNode().put("expires_at", e.getValue().expiresAt().toString()).put("expired_at", now.toString());
          transition(d, DecisionProjection.EXPIRED, DecisionTrail.ENGINE, payload, null);
          expired++;
        } catch (EngineException ex) {
          LOG.warn("could not expire decision {} yet: {}", id, ex.getMessage());
        } catch (DecisionReplay.UnfoldableStreamException ex) {
          unfoldable(id, ex); // the sweep goes on with the other decisions
        } catch (RuntimeException ex) {
          LOG.warn("could not expire decision {} yet (tried again at the next sweep): {}", id, ex.toString());
        }
      } finally {
        lock.unlock();
      }
    }
    return expired;
  }

  /**
   * A pending decision whose stream does not fold (an illegal or malformed trail: only tampering or
   * a foreign writer puts one on the ledger, and start-up refuses any it replays). Logged as an
   * integrity error with the decision id and the fold's reason (leaf, event type, transition; never a
   * payload), and dropped from the pending set, so that neither the sweep nor the listing tries it
   * again every time. Reading it alone still fails ({@code 500}); nothing can approve or execute it.
   */
  private void unfoldable(String decisionId, RuntimeException e) {
    if (pending.remove(decisionId) != null) {
      LOG.error("integrity: decision {} does not fold from the ledger and is no longer swept or listed: {}", decisionId,
          e.getMessage());
    }
  }

  /** Applies, records and publishes one status change; the caller holds the decision's lock. */
  private DecisionState transition(DecisionState d, String eventType, Actor actor, ObjectNode payload,
      ObjectNode refusalPayload) throws EngineException {
    DecisionState next;
    try {
      next = DecisionProjection.apply(d, d.id(), eventType, payload, -1);
    } catch (IllegalTransitionException e) {
      if (refusalPayload != null) {
        recordRefusal(d, DecisionProjection.TRANSITION_REJECTED, actor, refusalPayload.put("reason", e.getMessage()));
      }
      throw new EngineException.TransitionRefused(d.id(), e.from(), e.to(), e.getMessage());
    }
    requireOpen();
    CompletableFuture<AppendedEvent> append = ledger.append(new EventDraft(d.id(), eventType, d.policyHash(), actor, payload));
    CompletableFuture<DecisionState> published = append.thenApply(ev -> {
      ledgerConfirming = true;
      DecisionState s = next.at(ev.receipt().leafIndex(), Optional.of(ev.receipt()));
      cache.put(s);
      if (s.status() != DecisionStatus.PENDING_AUTHORITY) {
        pending.remove(s.id());
      }
      return s;
    });
    // Registered as the *published* future: the decision counts as unconfirmed until the cache holds
    // the new state, so no one can act on the old state in between.
    unconfirmed.put(d.id(), published);
    published.whenComplete((s, err) -> unconfirmed.remove(d.id(), published));
    return await(published);
  }

  /**
   * At most this many refusals are recorded per decision and process: some come from callers whose
   * token was refused, and each one would otherwise grow the decision's append-only stream without
   * bound. Beyond it the refusal still stands and is logged.
   */
  public static final int MAX_RECORDED_REFUSALS = 100;

  private final RefusalBudgets refusals = new RefusalBudgets();

  /**
   * Refusals of callers whose token was refused have their own, smaller budget per decision and
   * process, so that anonymous noise can never use up the budget of authenticated refusals.
   */
  public static final int MAX_RECORDED_UNAUTHENTICATED_REFUSALS = 10;

  /** Records a refusal that concerns an existing decision; best effort when the ledger is down. */
  void recordRefusal(DecisionState d, String eventType, Actor actor, ObjectNode payload) {
    record(d, d.id(), MAX_RECORDED_REFUSALS, eventType, actor, payload);
  }

  /**
   * An approval refused for an authenticated caller. One with no role in the decision's domain (no
   * level, no role an authority route could name) charges a budget of its own: such callers, any
   * logged-in subject included, made up key ids until the decision's budget was used up, after which an
   * approver's forged signature left no trace (black-box run).
   */
  void recordApprovalRefusal(DecisionState d, dev.arbiter.server.identity.Principal caller, ObjectNode payload) {
    recordCallerRefusal(d, caller, DecisionProjection.APPROVAL_REJECTED, new Actor(caller.subject(), "approver"), payload);
  }

  /**
   * A refusal of an authenticated caller's attempt on {@code d} (an approval, a cancel), charged by who
   * the caller is: one with no role in the decision's domain charges the outsiders' budget; one with a
   * role charges, first, a budget of their own on this decision ({@link #MAX_RECORDED_REFUSALS_PER_CALLER}),
   * then the decision's. Review: refused cancels by an outsider, or one member of the domain making up
   * key ids, used up the budget an approver's forged signature needed to reach the trail.
   */
  void recordCallerRefusal(DecisionState d, dev.arbiter.server.identity.Principal caller, String eventType, Actor actor,
      ObjectNode payload) {
    String domain = security().domainOf(d.actionClass());
    boolean standing = caller.levelIn(domain).isPresent() || !caller.rolesIn(domain).isEmpty();
    if (!standing) {
      record(d, "outsider:" + d.id(), MAX_RECORDED_REFUSALS, eventType, actor, payload);
      return;
    }
    if (refusals.charge("caller:" + d.id() + ":" + caller.subject()) > MAX_RECORDED_REFUSALS_PER_CALLER) {
      LOG.warn("decision {}: {} for {} ({}) not recorded: more than {} refusals of this caller", d.id(), eventType,
          loggable(actor.id()), loggable(payload.path("reason").asText("-")), MAX_RECORDED_REFUSALS_PER_CALLER);
      return;
    }
    record(d, d.id(), MAX_RECORDED_REFUSALS, eventType, actor, payload);
  }

  /** Refusals recorded per caller with a role in the domain, per decision and process (within the decision's). */
  static final int MAX_RECORDED_REFUSALS_PER_CALLER = 10;

  /** Refusals of gateway reports recorded per decision and process: a few tell the story, retries repeat it. */
  static final int MAX_RECORDED_GATEWAY_REFUSALS = 10;

  /** A refused gateway report ({@code execution.refused}), under its own budget per decision. */
  void recordGatewayRefusal(DecisionState d, Actor actor, ObjectNode payload) {
    record(d, "gateway:" + d.id(), MAX_RECORDED_GATEWAY_REFUSALS, DecisionProjection.EXECUTION_REFUSED, actor, payload);
  }

  /** As {@link #recordRefusal}, from a caller whose token was refused. */
  void recordUnauthenticatedRefusal(DecisionState d, String eventType, Actor actor, ObjectNode payload) {
    record(d, "unauthenticated:" + d.id(), MAX_RECORDED_UNAUTHENTICATED_REFUSALS, eventType, actor, payload);
  }

  /**
   * As {@link #recordRefusal}, for a submission that could not even be read (a malformed approval):
   * its own small budget per decision, so that bodies anyone can make up cannot use up the budget
   * that records real attempts.
   */
  void recordMalformedRefusal(DecisionState d, String eventType, Actor actor, ObjectNode payload) {
    record(d, "malformed:" + d.id(), MAX_RECORDED_UNAUTHENTICATED_REFUSALS, eventType, actor, payload);
  }

  /**
   * Records a refusal that concerns no decision (a key enrolment on {@code sys:keys}): at most
   * {@code cap} per {@code budget} and process, best effort when the ledger is down.
   */
  void recordSystemRefusal(String budget, int cap, EventDraft draft) {
    if (charge("sys:" + budget, cap, () -> draft.streamId() + ": more than " + cap + " refusals for " + budget
        + "; further ones are refused and logged, no longer recorded")) {
      appendBestEffort(draft);
    } else if (Integer.bitCount(refusals.charge("logged:sys:" + budget)) == 1) {
      // One line per doubling: a subject repeating a refused enrolment does not get one line per request.
      LOG.warn("{}: {} for {} not recorded: refusal budget used up", draft.streamId(), draft.eventType(),
          loggable(budget));
    }
  }

  private void record(DecisionState d, String budget, int cap, String eventType, Actor actor, ObjectNode payload) {
    if (charge(budget, cap, () -> "decision " + d.id() + ": more than " + cap + " refusals ("
        + (budget.startsWith("unauthenticated:") ? "from refused tokens"
            : budget.startsWith("malformed:") ? "of malformed submissions"
            : budget.startsWith("outsider:") ? "from callers with no role in its domain"
            : budget.startsWith("gateway:") ? "of gateway reports" : "from authenticated callers")
        + "); further ones are refused and logged, no longer recorded")) {
      appendBestEffort(new EventDraft(d.id(), eventType, d.policyHash(), actor, payload));
    } else if (budget.equals(d.id())) {
      // Past the budget of callers with a role in the domain each refusal is still logged (ids and the
      // reason code, never a token or a body): these are the refusals an auditor asks about.
      LOG.warn("decision {}: {} for {} ({}) not recorded: refusal budget used up", d.id(), eventType,
          loggable(actor.id()), loggable(payload.path("reason").asText("-")));
    } else {
      // Anyone can send these (a garbage token, a made-up body): one line per doubling, not one per request.
      int n = refusals.charge("logged:" + budget);
      if (Integer.bitCount(n) == 1) {
        LOG.warn("decision {}: {} more refusals ({}) not recorded past the budget so far", d.id(), n,
            budget.substring(0, budget.indexOf(':')));
      }
    }
  }

  /**
   * One log line's worth of a caller-influenced value: at most 128 code points, quoted, with every
   * invisible character (a newline forging a line, U+202E turning it around) escaped ({@link
   * dev.arbiter.core.decision.Spelling#shown}).
   */
  private static String loggable(String s) {
    boolean longer = s.codePointCount(0, s.length()) > 128;
    String cut = longer ? s.substring(0, s.offsetByCodePoints(0, 128)) : s;
    return dev.arbiter.core.decision.Spelling.shown(cut) + (longer ? "…" : "");
  }

  /** Counts one refusal against {@code budget}: true while within {@code cap}; past it, one warning and false. */
  private boolean charge(String budget, int cap, java.util.function.Supplier<String> firstExcess) {
    int n = refusals.charge(budget);
    if (n == cap + 1) {
      LOG.warn(firstExcess.get());
    }
    return n <= cap;
  }

  /** A refusal is evidence, not a condition of the answer: recorded if the ledger confirms in time, else logged. */
  private void appendBestEffort(EventDraft draft) {
    try {
      await(ledger.append(draft));
    } catch (EngineException e) {
      LOG.warn("refusal on {} could not be recorded: {}", draft.streamId(), e.getMessage());
    }
  }

  DecisionState withReceipt(DecisionState d) throws EngineException {
    return d.receipt().isPresent() ? d : d.at(d.lastLeafIndex(), Optional.of(receiptOf(d.lastLeafIndex())));
  }

  <T> T await(CompletableFuture<T> f) throws EngineException.Degraded, EngineException.LedgerIntegrityFailed {
    try {
      return f.get(config.ledgerTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      ledgerConfirming = false;
      throw new EngineException.Degraded("the ledger did not confirm within " + config.ledgerTimeout(), config.retryAfter());
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof LedgerUnavailableException) {
        ledgerConfirming = false;
      }
      if (cause instanceof EngineException.Degraded d) {
        throw d;
      }
      for (Throwable c = cause; c != null; c = c.getCause()) {
        if (c instanceof dev.arbiter.ledger.LedgerIntegrityException broken) {
          // The writer found the file no longer matches what it signed (a row inserted or removed under
          // it): not an outage to retry, the same failure as a stream that does not verify (black-box run).
          integrity.markFailed("the ledger refuses to extend: " + broken.getMessage());
          requireIntactLedger();
        }
      }
      // The cause names files and SQLite errors: the log's, not the caller's, to read.
      LOG.error("the ledger could not confirm: {}", cause.toString());
      throw new EngineException.Degraded("the ledger could not confirm", config.retryAfter());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngineException.Degraded("interrupted while waiting for the ledger", config.retryAfter());
    }
  }

  void requireOpen() throws EngineException.Degraded {
    if (closed) {
      throw new EngineException.Degraded("the engine is shutting down", config.retryAfter());
    }
  }

  void requireConfirmed(String decisionId) throws EngineException.Degraded {
    CompletableFuture<?> f = unconfirmed.get(decisionId);
    if (f != null && !f.isDone()) {
      throw new EngineException.Degraded("an earlier change to this decision is not confirmed yet", config.retryAfter());
    }
  }

  java.util.concurrent.locks.ReentrantLock lock(String decisionId) {
    return locks[Math.floorMod(decisionId.hashCode(), locks.length)];
  }

  /** Stops answering; the ledger is closed by its owner. */
  @Override
  public void close() {
    closed = true;
  }

}
