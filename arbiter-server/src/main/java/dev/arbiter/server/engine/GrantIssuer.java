package dev.arbiter.server.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.crypto.Sha256;
import dev.arbiter.core.decision.DecisionStatus;
import dev.arbiter.core.decision.Target;
import dev.arbiter.core.grant.Grant;
import dev.arbiter.core.grant.GrantCodec;
import dev.arbiter.ledger.AppendedEvent;
import dev.arbiter.ledger.event.EventDraft;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.receipt.Receipt;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.StoredEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issues grants for authorised decisions: a compact JWS signed by the engine key carrying the
 * decision's action, target, payload hash, pinned policy and the ledger receipt of its latest event.
 * {@code grant.issued} (grant id, hashes, validity — never the grant itself, which is a bearer
 * capability) is confirmed by the ledger before the grant is returned.
 */
public final class GrantIssuer {
  private static final Logger LOG = LoggerFactory.getLogger(GrantIssuer.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private final DecisionEngine engine;

  GrantIssuer(DecisionEngine engine) {
    this.engine = engine;
  }

  /**
   * The decision's grant: the one issued last if it is still valid (kept with the cached state, or
   * signed again from its {@code grant.issued}: {@link #signAgain}), else a new one.
   *
   * @throws EngineException.Conflict {@code grant-not-available} unless the decision is authorized and
   *     its one execution is not spent
   */
  public DecisionState issue(String decisionId) throws EngineException {
    ReentrantLock lock = engine.lock(decisionId);
    lock.lock();
    try {
      engine.requireConfirmed(decisionId);
      DecisionState d = engine.find(decisionId);
      if (d.status() != DecisionStatus.AUTHORIZED) {
        throw new EngineException.Conflict("grant-not-available", "No grant for this decision",
            "decision `" + decisionId + "` is " + d.status().wireName() + "; grants exist only for authorized decisions");
      }
      if (!engine.underActivePolicy(d)) {
        throw new EngineException.Conflict("grant-not-available", "No grant for this decision", engine.supersededPolicy(d));
      }
      if (d.approvals().executionId().isPresent()) {
        // One execution per decision: a grant now could only be refused at the gateway (black-box run:
        // a new grant after a start whose answer the gateway never got, then 409 "already used").
        throw new EngineException.Conflict("grant-not-available", "No grant for this decision", "decision `" + decisionId
            + "` already used its one execution (" + d.approvals().executionId().get() + ", "
            + (d.approvals().executionFinished() ? "failed" : "started, no outcome recorded") + ")");
      }
      Instant now = engine.clock().instant();
      if (d.approvals().grant().filter(g -> g.expiresAt().isAfter(now) && !abandoned(d, g.grantId())).isPresent()) {
        return d;
      }
      // A grant a gateway gave up (its start unconfirmed) starts nothing: the proposer gets a new one now,
      // not when it expires.
      Optional<DecisionApprovals.IssuedGrant> again = signAgain(d, now).filter(g -> !abandoned(d, g.grantId()));
      if (again.isPresent()) {
        DecisionState withGrant = d.withApprovals(d.approvals().withGrant(again.get()));
        engine.remember(withGrant);
        return withGrant;
      }
      long leaf = d.approvals().authorizedAtLeaf() >= 0 ? d.approvals().authorizedAtLeaf() : d.lastLeafIndex();
      Prepared grant = prepare(d, authorisingReceipt(d), leaf);
      DecisionState issued = engine.commit(d, List.of(grant.issued()));
      DecisionState withGrant = issued.withApprovals(issued.approvals().withGrant(grant.issuedGrant()));
      engine.remember(withGrant);
      return withGrant;
    } finally {
      lock.unlock();
    }
  }

  private static boolean abandoned(DecisionState d, String grantId) {
    DecisionApprovals.Issued issued = d.approvals().issuedGrants().get(grantId);
    return issued != null && issued.use() == DecisionApprovals.Use.ABANDONED;
  }

  /** A signed grant, ready to leave once its {@code grant.issued} event is durable. */
  record Prepared(DecisionApprovals.IssuedGrant issuedGrant, EventDraft issued) {}

  /**
   * Builds and signs a grant for the authorised decision {@code d} and its {@code grant.issued}
   * event; touches neither the ledger nor any lock (it also runs on the ledger's sequencer, as the
   * follow-up of an auto-allowed decision's trail: {@link #followUp}).
   *
   * @param receipt the ledger receipt of the event that authorised {@code d}
   * @param receiptLeaf that event's leaf
   */
  Prepared prepare(DecisionState d, JsonNode receipt, long receiptLeaf) {
    Instant now = engine.clock().instant();
    byte[] nonce = new byte[16];
    RANDOM.nextBytes(nonce);
    Grant grant = grant(d, engine.newId("gnt_"), receipt, now, now.plus(engine.security().grantTtl()),
        Base64.getUrlEncoder().withoutPadding().encodeToString(nonce));
    String compact = GrantCodec.sign(grant, engine.security().engineKey());
    ObjectNode payload = JsonNodeFactory.instance.objectNode().put("grant_id", grant.grantId())
        .put("grant_hash", hash(compact))
        .put("payload_hash", grant.payloadHash()).put("tool", grant.tool())
        .put("engine_key_id", engine.security().engineKey().keyId().value())
        .put("receipt_leaf_index", receiptLeaf)
        .put("not_before", grant.notBefore().toString()).put("expires_at", grant.expiresAt().toString())
        // what signing the same grant again needs besides the decision (signAgain); none of it is secret
        .put("nonce", grant.nonce()).put("receipt_tree_size", receipt.path("checkpoint").path("tree_size").asLong(-1));
    JsonNode prev = receipt.get("prev_entry_hash");
    if (prev != null && prev.isTextual()) {
      payload.put("receipt_prev_entry_hash", prev.asText());
    } else {
      payload.putNull("receipt_prev_entry_hash");
    }
    return new Prepared(new DecisionApprovals.IssuedGrant(grant.grantId(), compact, grant.expiresAt()),
        DecisionTrail.engineEvent(d.id(), DecisionProjection.GRANT_ISSUED, d.policyHash(), payload));
  }

  private Grant grant(DecisionState d, String grantId, JsonNode receipt, Instant notBefore, Instant expiresAt, String nonce) {
    JsonNode action = d.request().path("action");
    return new Grant(grantId, d.id(), action.path("class").asText(), action.path("tool").asText(),
        new Target(action.path("target").path("type").asText(), action.path("target").path("id").asText()),
        d.request().path("context").path("environment").asText("production"), Grant.payloadHash(action.path("payload")),
        d.policyHash(), receipt, notBefore, expiresAt, nonce);
  }

  /** What {@code grant.issued} records as {@code grant_hash}: SHA-256 of the compact JWS. */
  static String hash(String compact) {
    return Sha256.prefixed(Sha256.digest(compact.getBytes(StandardCharsets.US_ASCII)));
  }

  /**
   * The still-valid grant the decision's latest {@code grant.issued} records, signed again: the same
   * claims (the decision's, and what the event records: id, nonce, validity, the receipt's leaf,
   * checkpoint and previous hash, read back from the ledger) and a deterministic signature give the
   * same compact JWS, checked against the recorded {@code grant_hash}. Empty when the grant expired,
   * the event is of before this (no nonce), or anything differs (another engine key): a new grant is
   * issued then. Why: the grant lived only in the decision's cached state, so every fetch of an
   * evicted (or, after a restart, any) decision's grant signed a new one and wrote a new {@code
   * grant.issued}; a proposer could grow the ledger one event per request.
   */
  private Optional<DecisionApprovals.IssuedGrant> signAgain(DecisionState d, Instant now) {
    DecisionApprovals.RecordedGrant r = d.approvals().recordedGrant().orElse(null);
    if (r == null || !r.expiresAt().isAfter(now) || r.receiptTreeSize() <= r.receiptLeaf()) {
      return Optional.empty();
    }
    try {
      Ledger ledger = engine.ledger();
      Checkpoint cp = ledger.store().checkpoint(r.receiptTreeSize()).orElse(null);
      StoredEntry entry = ledger.store().entry(r.receiptLeaf()).orElse(null);
      if (cp == null || entry == null || !entry.streamId().equals(d.id())) {
        return Optional.empty();
      }
      Receipt receipt = new Receipt(r.receiptLeaf(), HashValue.of(entry.entryHash()),
          ledger.inclusionProof(r.receiptLeaf(), r.receiptTreeSize()), cp,
          r.receiptPrevEntryHash().map(HashValue::fromHex).orElse(null));
      String compact = GrantCodec.sign(grant(d, r.grantId(), receipt.toJson(), r.notBefore(), r.expiresAt(), r.nonce()),
          engine.security().engineKey());
      if (!hash(compact).equals(r.grantHash())) {
        LOG.warn("decision {}: grant {} signed again does not match its grant.issued; issuing a new one", d.id(), r.grantId());
        return Optional.empty();
      }
      return Optional.of(new DecisionApprovals.IssuedGrant(r.grantId(), compact, r.expiresAt()));
    } catch (LedgerStoreException | RuntimeException e) {
      LOG.warn("decision {}: grant {} could not be signed again ({}); issuing a new one", d.id(), r.grantId(), e.toString());
      return Optional.empty();
    }
  }

  /**
   * The ledger follow-up of an auto-allowed decision's trail: the grant, built from the receipt of the
   * trail's {@code enforcement.result}, and its {@code grant.issued}, recorded in the same commit as
   * the trail (one durable write per decision instead of two). {@code into} receives the grant; it
   * leaves the engine only once the whole commit is durable.
   */
  List<EventDraft> followUp(DecisionState d, List<AppendedEvent> trail, java.util.concurrent.atomic.AtomicReference<Prepared> into) {
    for (AppendedEvent e : trail) {
      if (e.envelope().eventType().equals(DecisionProjection.RESULT)) {
        Prepared p = prepare(d, e.receipt().toJson(), e.receipt().leafIndex());
        into.set(p);
        return List.of(p.issued());
      }
    }
    return List.of();
  }

  /**
   * The receipt of the event that authorised {@code d} (its latest event if that is unknown). Right
   * after the authorisation that event is the latest one, whose receipt the state already holds.
   */
  private JsonNode authorisingReceipt(DecisionState d) throws EngineException {
    long leaf = d.approvals().authorizedAtLeaf();
    if (leaf < 0 || (leaf == d.lastLeafIndex() && d.receipt().isPresent())) {
      return d.receipt().orElseThrow().toJson();
    }
    return engine.receiptOf(leaf).toJson();
  }
}
