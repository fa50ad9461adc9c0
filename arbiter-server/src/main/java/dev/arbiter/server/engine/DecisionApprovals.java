package dev.arbiter.server.engine;

import dev.arbiter.core.approval.Signer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The approval side of one decision, folded from its stream: accepted approvals, the nonces they
 * consumed, the grants issued and the execution started. Immutable; every change returns a copy.
 *
 * @param accepted accepted approvals in ledger order
 * @param usedNonces every challenge nonce an accepted approval or a signed rejection consumed
 * @param grantIds ids of the grants issued for this decision
 * @param executionId the execution a gateway started, if any (one per decision)
 * @param grant the latest grant issued by this process (compact JWS); never on the ledger, which only
 *     holds its id and hash: a grant is a bearer capability until burned
 * @param executionFinished whether the execution's one outcome (confirmed or failed) is recorded
 * @param authorizedAtLeaf the leaf of the {@code enforcement.result} that authorised the decision
 *     (-1 until known): grants carry its receipt
 */
public record DecisionApprovals(
    List<Accepted> accepted,
    Set<String> usedNonces,
    List<String> grantIds,
    Optional<String> executionId,
    Optional<IssuedGrant> grant,
    boolean executionFinished,
    long authorizedAtLeaf) {

  public static final DecisionApprovals NONE =
      new DecisionApprovals(List.of(), Set.of(), List.of(), Optional.empty(), Optional.empty(), false, -1);

  public DecisionApprovals {
    accepted = List.copyOf(accepted);
    usedNonces = Set.copyOf(usedNonces);
    grantIds = List.copyOf(grantIds);
  }

  /** One accepted approval: who, with what authority at the time, with which key, when. */
  public record Accepted(Signer signer, String keyId, String nonce, Instant signedAt) {}

  /** A grant as issued: its id, compact form and expiry. */
  public record IssuedGrant(String grantId, String compact, Instant expiresAt) {}

  DecisionApprovals withApproval(Accepted a) {
    List<Accepted> next = new ArrayList<>(accepted);
    next.add(a);
    return new DecisionApprovals(next, withNonce(a.nonce()), grantIds, executionId, grant, executionFinished, authorizedAtLeaf);
  }

  DecisionApprovals withNonceUsed(String nonce) {
    return new DecisionApprovals(accepted, withNonce(nonce), grantIds, executionId, grant, executionFinished, authorizedAtLeaf);
  }

  DecisionApprovals withGrantId(String grantId) {
    List<String> next = new ArrayList<>(grantIds);
    next.add(grantId);
    return new DecisionApprovals(accepted, usedNonces, next, executionId, grant, executionFinished, authorizedAtLeaf);
  }

  DecisionApprovals withGrant(IssuedGrant g) {
    return new DecisionApprovals(accepted, usedNonces, grantIds, executionId, Optional.of(g), executionFinished, authorizedAtLeaf);
  }

  DecisionApprovals withExecution(String id) {
    return new DecisionApprovals(accepted, usedNonces, grantIds, Optional.of(id), grant, executionFinished, authorizedAtLeaf);
  }

  DecisionApprovals withExecutionFinished() {
    return new DecisionApprovals(accepted, usedNonces, grantIds, executionId, grant, true, authorizedAtLeaf);
  }

  DecisionApprovals withAuthorizedAt(long leaf) {
    return new DecisionApprovals(accepted, usedNonces, grantIds, executionId, grant, executionFinished, leaf);
  }


  private Set<String> withNonce(String nonce) {
    Set<String> next = new HashSet<>(usedNonces);
    next.add(nonce);
    return next;
  }
}
