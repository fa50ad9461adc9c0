package dev.arbiter.server.engine;

import dev.arbiter.core.approval.Signer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The approval side of one decision, folded from its stream: accepted approvals, the nonces they
 * consumed, the grants issued and the execution started. Immutable; every change returns a copy.
 *
 * @param accepted accepted approvals in ledger order
 * @param usedNonces every challenge nonce an accepted approval or a signed rejection consumed
 * @param issuedGrants the grants issued for this decision, in order: id → the {@code grant_hash} its
 *     {@code grant.issued} records (empty if it records none: such a grant starts nothing) and what
 *     became of it
 * @param executionId the execution a gateway started, if any (one per decision)
 * @param grant the latest grant issued by this process (compact JWS); never on the ledger, which only
 *     holds its id and hash: a grant is a bearer capability until burned
 * @param executionFinished whether the execution's one outcome (confirmed or failed) is recorded
 * @param authorizedAtLeaf the leaf of the {@code enforcement.result} that authorised the decision
 *     (-1 until known): grants carry its receipt
 * @param recordedGrant the latest {@code grant.issued} as recorded, when it records enough to sign
 *     the same grant again (events since the grant-rebuild change): see {@link GrantIssuer}
 */
public record DecisionApprovals(
    List<Accepted> accepted,
    Set<String> usedNonces,
    Map<String, Issued> issuedGrants,
    Optional<String> executionId,
    Optional<IssuedGrant> grant,
    boolean executionFinished,
    long authorizedAtLeaf,
    Optional<RecordedGrant> recordedGrant) {

  public static final DecisionApprovals NONE =
      new DecisionApprovals(List.of(), Set.of(), Map.of(), Optional.empty(), Optional.empty(), false, -1, Optional.empty());

  public DecisionApprovals {
    accepted = List.copyOf(accepted);
    usedNonces = Set.copyOf(usedNonces);
    issuedGrants = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(issuedGrants));
  }

  /** Ids of the grants issued for this decision, in order. */
  public List<String> grantIds() {
    return List.copyOf(issuedGrants.keySet());
  }

  /** What a grant of this decision became: unused, the one whose execution started, or given up by a gateway. */
  public enum Use { UNUSED, STARTED, ABANDONED }

  /**
   * An issued grant: its recorded hash (empty when none was recorded), its use, and for the one that
   * started, who started it: the gateway's subject and the attempt it named ({@code subject attempt};
   * empty for a start that named no attempt).
   */
  public record Issued(Optional<String> hash, Use use, Optional<String> startedBy) {}

  /** One accepted approval: who, with what authority at the time, with which key, when. */
  public record Accepted(Signer signer, String keyId, String nonce, Instant signedAt) {}

  /** A grant as issued: its id, compact form and expiry. */
  public record IssuedGrant(String grantId, String compact, Instant expiresAt) {}

  /**
   * What {@code grant.issued} records of a grant: with the decision's own claims, the checkpoint of
   * {@code receiptTreeSize} and the entry at {@code receiptLeaf}, the grant's exact claims; Ed25519
   * signatures are deterministic, so signing them again gives the same grant, checked against
   * {@code grantHash}.
   *
   * @param receiptPrevEntryHash the receipt's {@code prev_entry_hash} (hex), empty if it had none
   */
  public record RecordedGrant(String grantId, String grantHash, String nonce, Instant notBefore, Instant expiresAt,
      long receiptLeaf, long receiptTreeSize, Optional<String> receiptPrevEntryHash) {}

  DecisionApprovals withApproval(Accepted a) {
    List<Accepted> next = new ArrayList<>(accepted);
    next.add(a);
    return new DecisionApprovals(next, withNonce(a.nonce()), issuedGrants, executionId, grant, executionFinished, authorizedAtLeaf, recordedGrant);
  }

  DecisionApprovals withNonceUsed(String nonce) {
    return new DecisionApprovals(accepted, withNonce(nonce), issuedGrants, executionId, grant, executionFinished, authorizedAtLeaf, recordedGrant);
  }

  /**
   * A {@code grant.issued}: its id and hash, and what it records to rebuild the grant (or empty: an
   * older event).
   */
  DecisionApprovals withGrantIssued(String grantId, Optional<String> grantHash, Optional<RecordedGrant> recorded) {
    Map<String, Issued> next = new LinkedHashMap<>(issuedGrants);
    next.put(grantId, new Issued(grantHash, Use.UNUSED, Optional.empty()));
    return new DecisionApprovals(accepted, usedNonces, next, executionId, grant, executionFinished, authorizedAtLeaf, recorded);
  }

  /** A gateway gave up on {@code grantId} before its start was recorded: it starts nothing from now on. */
  DecisionApprovals withGrantAbandoned(String grantId) {
    return withUse(grantId, Use.ABANDONED, Optional.empty());
  }

  private DecisionApprovals withUse(String grantId, Use use, Optional<String> startedBy) {
    Issued was = issuedGrants.get(grantId);
    if (was == null) {
      return this;
    }
    Map<String, Issued> next = new LinkedHashMap<>(issuedGrants);
    next.put(grantId, new Issued(was.hash(), use, startedBy));
    return new DecisionApprovals(accepted, usedNonces, next, executionId, grant, executionFinished, authorizedAtLeaf, recordedGrant);
  }

  DecisionApprovals withGrant(IssuedGrant g) {
    return new DecisionApprovals(accepted, usedNonces, issuedGrants, executionId, Optional.of(g), executionFinished, authorizedAtLeaf, recordedGrant);
  }

  /**
   * The execution {@code id} started with grant {@code grantId} (null in events that do not name it)
   * by {@code startedBy} ({@code subject attempt}, the attempt empty when the start named none; absent
   * when the start named no gateway).
   */
  DecisionApprovals withExecution(String id, String grantId, Optional<String> startedBy) {
    DecisionApprovals marked = grantId == null ? this : withUse(grantId, Use.STARTED, startedBy);
    return new DecisionApprovals(accepted, usedNonces, marked.issuedGrants, Optional.of(id), grant, executionFinished,
        authorizedAtLeaf, recordedGrant);
  }

  DecisionApprovals withExecutionFinished() {
    return new DecisionApprovals(accepted, usedNonces, issuedGrants, executionId, grant, true, authorizedAtLeaf, recordedGrant);
  }

  DecisionApprovals withAuthorizedAt(long leaf) {
    return new DecisionApprovals(accepted, usedNonces, issuedGrants, executionId, grant, executionFinished, leaf, recordedGrant);
  }

  private Set<String> withNonce(String nonce) {
    Set<String> next = new HashSet<>(usedNonces);
    next.add(nonce);
    return next;
  }
}
