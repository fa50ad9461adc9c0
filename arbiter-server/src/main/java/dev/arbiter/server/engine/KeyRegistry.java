package dev.arbiter.server.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.approval.EnrolmentProof;
import dev.arbiter.core.approval.EnrolmentProofException;
import dev.arbiter.core.approval.EnrolmentStatement;
import dev.arbiter.core.crypto.KeyFormatException;
import dev.arbiter.core.crypto.KeyId;
import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.core.decision.FieldError;
import dev.arbiter.ledger.event.Actor;
import dev.arbiter.ledger.event.EventDraft;
import dev.arbiter.ledger.store.EntryQuery;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.StoredEntry;
import dev.arbiter.server.identity.Principal;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Approver keys, as the ledger's {@code sys:keys} stream records them: {@code key.enrolled} binds
 * {@code (subject, key id, public key)} with the subject's proof of possession ({@link
 * EnrolmentProof}), {@code key.revoked} ends a key for every future approval, {@code
 * key.enrolment_rejected} records a refused proof. The registry is that stream folded into memory
 * at start; it changes only after the ledger confirmed. Enrolments recorded before proofs were
 * required have no {@code proof} and still replay.
 */
public final class KeyRegistry {
  public static final String STREAM = "sys:keys";
  static final String ENROLLED = "key.enrolled";
  static final String REVOKED = "key.revoked";
  static final String ENROLMENT_REJECTED = "key.enrolment_rejected";
  /** Refused proofs recorded per subject and process; beyond it they are refused and logged only. */
  static final int MAX_RECORDED_REFUSALS_PER_SUBJECT = 20;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(KeyRegistry.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PAGE = 10_000;

  /** One enrolled key. */
  public record EnrolledKey(KeyId id, String subject, VerifyingKey key, Instant enrolledAt, Optional<Instant> revokedAt) {
    public boolean revoked() {
      return revokedAt.isPresent();
    }
  }

  /** Each enrolment is a ledger event: a subject cannot grow the ledger by enrolling keys without bound. */
  static final int MAX_ACTIVE_KEYS_PER_SUBJECT = 10;

  private final DecisionEngine engine;
  private final Map<KeyId, EnrolledKey> keys = new ConcurrentHashMap<>();
  private final ReentrantLock writes = new ReentrantLock();
  /** Striped by key id: a revocation waits only for approvals signed with keys of its stripe. */
  private final ReentrantReadWriteLock[] use = new ReentrantReadWriteLock[64];

  {
    for (int i = 0; i < use.length; i++) {
      use[i] = new ReentrantReadWriteLock();
    }
  }
  /** During the start-up replay: subjects that recorded a second enrolment of a key another subject owns. */
  private final Map<KeyId, java.util.Set<String>> otherEnrollers = new java.util.HashMap<>();
  /** Enrolments appended but not confirmed (a timeout): key → subject (guarded by {@code writes}). */
  private final Map<KeyId, String> unrecordedEnrolments = new java.util.HashMap<>();
  /** Keys revoked in memory whose {@code key.revoked} the ledger has not confirmed (guarded by {@code writes}). */
  private final java.util.Set<KeyId> unrecordedRevocations = new java.util.HashSet<>();

  private KeyRegistry(DecisionEngine engine) {
    this.engine = engine;
  }

  static KeyRegistry replay(DecisionEngine engine) throws LedgerStoreException {
    KeyRegistry r = new KeyRegistry(engine);
    long from = 0;
    while (true) {
      List<StoredEntry> page = engine.ledger().store().query(new EntryQuery(STREAM, null, from, PAGE));
      for (StoredEntry e : page) {
        r.apply(e);
      }
      if (page.size() < PAGE) {
        return r;
      }
      from = page.get(page.size() - 1).leafIndex() + 1;
    }
  }

  /**
   * Folds one {@code sys:keys} event. The engine writes an enrolment twice, or a revocation twice,
   * only when it retried after an unconfirmed answer; both are kept once. A key enrolled again by
   * another subject keeps its first owner (logged: an older engine could write that), and a
   * revocation by either of them revokes it. Anything no engine writes (a key enrolled again after
   * its revocation, a revocation of an unknown key or by a subject that never enrolled it) stops the
   * start: a registry built from such a trail would approve with keys the trail says are not theirs.
   */
  private void apply(StoredEntry e) {
    if (!e.eventType().equals(ENROLLED) && !e.eventType().equals(REVOKED)) {
      return; // refusals are evidence only
    }
    JsonNode p;
    KeyId id;
    try {
      p = JSON.readTree(e.envelope()).get("payload");
      id = new KeyId(p.get("key_id").asText());
    } catch (IOException | RuntimeException ex) {
      throw notWritten(e, "it is not a key event", ex);
    }
    EnrolledKey existing = keys.get(id);
    String subject = p.path("subject").asText("");
    if (e.eventType().equals(ENROLLED)) {
      if (existing != null) {
        if (!existing.subject().equals(subject)) {
          // Written by an engine that did not know of the first enrolment (its append timed out and
          // landed later; before version 0.11 also an enrolment without proof of possession). The
          // first keeps the key, as a running engine that knew of it would have decided.
          LOG.warn("integrity: leaf {} of {} enrols key {} for subject {}, already enrolled by {}: the first keeps it",
              e.leafIndex(), STREAM, id, subject, existing.subject());
          otherEnrollers.computeIfAbsent(id, k -> new java.util.HashSet<>()).add(subject);
          return;
        }
        if (existing.revoked()) {
          throw notWritten(e, "key " + id + " is enrolled again after its revocation", null);
        }
        return; // the same enrolment, recorded again by a retry
      }
      try {
        VerifyingKey key = VerifyingKey.fromPem(p.get("public_key").asText());
        if (!key.keyId().equals(id) || subject.isEmpty()) {
          throw new IllegalArgumentException("key id or subject does not match the key");
        }
        keys.put(id, new EnrolledKey(id, subject, key, Instant.parse(p.get("enrolled_at").asText()), Optional.empty()));
      } catch (KeyFormatException | RuntimeException ex) {
        throw notWritten(e, "it is not a key enrolment", ex);
      }
    } else {
      if (existing == null) {
        throw notWritten(e, "it revokes key " + id + ", which was never enrolled", null);
      }
      if (!existing.subject().equals(subject)) {
        if (!otherEnrollers.getOrDefault(id, java.util.Set.of()).contains(subject)) {
          throw notWritten(e, "it revokes key " + id + " for another subject than its owner", null);
        }
        // The second enroller of a key (see above) revoked it: a revocation is a security signal,
        // so the key is revoked for everyone.
        LOG.warn("integrity: leaf {} of {} revokes key {} for subject {}, who enrolled it after {}: revoked for both",
            e.leafIndex(), STREAM, id, subject, existing.subject());
      }
      if (existing.revoked()) {
        return; // the same revocation, recorded again by a retry
      }
      try {
        keys.put(id, revokedAt(existing, Instant.parse(p.get("revoked_at").asText())));
      } catch (RuntimeException ex) {
        throw notWritten(e, "it is not a key revocation", ex);
      }
    }
  }

  private static IllegalStateException notWritten(StoredEntry e, String why, Exception cause) {
    return new IllegalStateException("leaf " + e.leafIndex() + " of " + STREAM + " is not a key event this engine "
        + "writes: " + why, cause);
  }

  private static EnrolledKey revokedAt(EnrolledKey k, Instant at) {
    return new EnrolledKey(k.id(), k.subject(), k.key(), k.enrolledAt(), Optional.of(at));
  }

  /**
   * Held (shared) by an approval signed with key {@code id} from its last key check until its events
   * are recorded. A revocation of that key takes it exclusively to mark the key revoked, so it waits
   * for approvals that already checked the key, and every approval after it sees the revocation: no
   * {@code approval.added} with a key follows that key's {@code key.revoked}. Striped: a revocation
   * holds up new approvals with keys of its stripe (one in 64), not every approval.
   */
  public Lock keyUse(KeyId id) {
    return stripe(id).readLock();
  }

  private ReentrantReadWriteLock stripe(KeyId id) {
    return use[Math.floorMod(id.value().hashCode(), use.length)];
  }

  public Optional<EnrolledKey> find(KeyId id) {
    return Optional.ofNullable(keys.get(id));
  }

  /** The result of an enrolment: the key, and whether it was already enrolled by this subject. */
  public record Enrolment(EnrolledKey key, boolean existing) {}

  /**
   * A fresh statement for the caller to sign with the private key of {@code publicKeyPem}: the
   * caller's subject, the key's id, the engine's time (whole seconds). Nothing is remembered or
   * recorded; {@link #enrol} checks whatever statement comes back.
   */
  public EnrolmentStatement statement(Principal caller, String publicKeyPem) throws EngineException {
    KeyId id = parse(publicKeyPem).keyId();
    try {
      return new EnrolmentStatement(caller.subject(), id, engine.clock().instant().truncatedTo(ChronoUnit.SECONDS));
    } catch (IllegalArgumentException e) { // a subject the statement cannot carry (e.g. over its length limit)
      throw new EngineException.Forbidden("forbidden", "keys cannot be enrolled for this token's subject: " + e.getMessage());
    }
  }

  /**
   * Enrols {@code publicKeyPem} for the authenticated caller, given a proof of possession: {@code
   * proof} ({@code {statement, signature}}, see {@link EnrolmentProof}) must be signed by that key
   * for the caller's subject within {@link EnrolmentProof#WINDOW} of the engine's clock. A refused
   * proof writes nothing but its {@code key.enrolment_rejected}. Then: enrolling one's own key again
   * is a no-op; a key enrolled by someone else, or a revoked key, is refused.
   *
   * @param proof the request's {@code proof} member as sent (null when absent)
   */
  public Enrolment enrol(Principal caller, String publicKeyPem, JsonNode proof) throws EngineException {
    VerifyingKey key = parse(publicKeyPem);
    EnrolmentProof checked;
    try {
      checked = EnrolmentProof.fromJson(proof);
      checked.verify(key, caller.subject(), engine.clock().instant());
    } catch (EnrolmentProofException e) {
      throw refused(caller, key, e);
    }
    writes.lock();
    try {
      String unconfirmedOwner = unrecordedEnrolments.get(key.keyId());
      if (unconfirmedOwner != null && !unconfirmedOwner.equals(caller.subject())) {
        throw new EngineException.Conflict("key-already-enrolled", "Key already enrolled",
            "key " + key.keyId() + " is being enrolled by another subject");
      }
      EnrolledKey existing = keys.get(key.keyId());
      if (existing != null) {
        if (!existing.subject().equals(caller.subject())) {
          throw new EngineException.Conflict("key-already-enrolled", "Key already enrolled",
              "key " + key.keyId() + " is enrolled by another subject");
        }
        if (existing.revoked()) {
          throw new EngineException.Conflict("key-revoked", "Key revoked", "key " + key.keyId() + " was revoked and cannot be enrolled again");
        }
        return new Enrolment(existing, true);
      }
      long active = keys.values().stream().filter(k -> k.subject().equals(caller.subject()) && !k.revoked()).count();
      if (active >= MAX_ACTIVE_KEYS_PER_SUBJECT) {
        throw new EngineException.Conflict("too-many-keys", "Too many enrolled keys",
            "at most " + MAX_ACTIVE_KEYS_PER_SUBJECT + " active keys per subject; revoke one first");
      }
      Instant now = engine.clock().instant();
      ObjectNode payload = JsonNodeFactory.instance.objectNode().put("key_id", key.keyId().value())
          .put("subject", caller.subject()).put("algorithm", key.algorithm().wireName()).put("public_key", key.toSpkiPem())
          .put("enrolled_at", now.toString()).put("proof_context", EnrolmentStatement.CONTEXT);
      payload.set("proof", checked.toJson());
      // Until the ledger confirms, the key is nobody else's: an append that times out may still land,
      // and a second subject's enrolment after it would make a trail no engine should write.
      unrecordedEnrolments.put(key.keyId(), caller.subject());
      engine.appendSystem(new EventDraft(STREAM, ENROLLED, engine.activePolicy().hash(), new Actor(caller.subject(), "approver"),
          payload));
      unrecordedEnrolments.remove(key.keyId());
      EnrolledKey k = new EnrolledKey(key.keyId(), caller.subject(), key, now, Optional.empty());
      keys.put(k.id(), k);
      return new Enrolment(k, false);
    } finally {
      writes.unlock();
    }
  }

  private static VerifyingKey parse(String publicKeyPem) throws EngineException.InvalidInput {
    try {
      return VerifyingKey.fromPem(publicKeyPem);
    } catch (KeyFormatException | RuntimeException e) {
      throw new EngineException.InvalidInput(List.of(new FieldError("invalid_key", "public_key", "a value that is not a key",
          "an SPKI PEM public key (ed25519 or ecdsa-p256), as `arbiter keys generate` writes: " + e.getMessage())));
    }
  }

  /**
   * Logs and records a refused proof ({@code key.enrolment_rejected}: subject, reason, detail, the
   * key's id and algorithm; never the signature), then returns the refusal to throw.
   */
  private EngineException.KeyProofRejected refused(Principal caller, VerifyingKey key, EnrolmentProofException e) {
    String reason = e.reason().wireName();
    LOG.warn("key enrolment by subject {} refused: {} (key {})", caller.subject(), reason, key.keyId());
    ObjectNode payload = JsonNodeFactory.instance.objectNode().put("subject", caller.subject()).put("reason", reason)
        .put("detail", e.getMessage()).put("key_id", key.keyId().value()).put("algorithm", key.algorithm().wireName());
    engine.recordSystemRefusal("key-enrolment:" + caller.subject(), MAX_RECORDED_REFUSALS_PER_SUBJECT,
        new EventDraft(STREAM, ENROLMENT_REJECTED, engine.activePolicy().hash(), new Actor(caller.subject(), "approver"), payload));
    return new EngineException.KeyProofRejected(reason, e.getMessage());
  }

  /**
   * Revokes one of the caller's own keys; revoking a revoked key again is a no-op once recorded.
   *
   * <p>Fails closed: the key is revoked in memory before its {@code key.revoked} is appended, and
   * stays revoked when the ledger does not confirm (the caller is answered 503 and should retry, which
   * records it; a confirmation that arrives late is harmless, a second {@code key.revoked} too).
   * Until it is recorded, a restart would bring the key back, as the ledger is what the engine
   * replays.
   */
  public EnrolledKey revoke(Principal caller, KeyId id) throws EngineException {
    writes.lock();
    try {
      EnrolledKey k = keys.get(id);
      if (k == null || !k.subject().equals(caller.subject())) {
        throw new EngineException.Forbidden("key-not-owned", "no key " + id + " is enrolled by the caller");
      }
      if (k.revoked() && !unrecordedRevocations.contains(id)) {
        return k;
      }
      EnrolledKey revoked = k.revoked() ? k : revokedAt(k, engine.clock().instant());
      Lock exclusive = stripe(id).writeLock();
      exclusive.lock(); // waits for approvals that checked this key before now
      try {
        keys.put(id, revoked);
        unrecordedRevocations.add(id);
      } finally {
        exclusive.unlock();
      }
      ObjectNode payload = JsonNodeFactory.instance.objectNode().put("key_id", id.value()).put("subject", caller.subject())
          .put("revoked_at", revoked.revokedAt().orElseThrow().toString());
      engine.appendSystem(new EventDraft(STREAM, REVOKED, engine.activePolicy().hash(), new Actor(caller.subject(), "approver"),
          payload));
      unrecordedRevocations.remove(id);
      return revoked;
    } finally {
      writes.unlock();
    }
  }
}
