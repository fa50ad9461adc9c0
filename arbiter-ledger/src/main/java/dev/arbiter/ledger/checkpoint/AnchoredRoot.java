package dev.arbiter.ledger.checkpoint;

import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.merkle.ProofVerificationException;
import dev.arbiter.ledger.merkle.ProofVerifier;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The Merkle root of the ledger's tree at {@code treeSize} leaves, authenticated by a signed
 * checkpoint when {@link #verify} returned it (the only way untrusted input should become one).
 *
 * <p>Checkpoints are written per commit batch, so most tree sizes have none of their own. Such a
 * size M is anchored in a later signed checkpoint C (the smallest stored one, as {@code ledger
 * prove} picks it): the claimed root at M, and an RFC 9162 consistency proof from (M, claimed
 * root) to (C.tree_size, C.root_hash). The proof recomputes both roots from the same hashes, so
 * it succeeding against the signed root at C proves the claimed root is that of the first M leaves
 * of the signed tree. For a fixed C no two sizes M give the proof the same shape (checked by brute
 * force for every pair of sizes up to 2048), so a changed M is refused too.
 *
 * <p>When M equals C's size, the checkpoint's own root is the answer; a claimed root must then equal
 * it and a consistency proof must be empty (a proof whose pieces disagree is refused, not ignored).
 */
public record AnchoredRoot(String ledgerId, long treeSize, HashValue root) {

  public AnchoredRoot {
    Objects.requireNonNull(ledgerId, "ledgerId");
    Objects.requireNonNull(root, "root");
  }

  /**
   * Verifies the checkpoint's signature with the pinned key, then that {@code treeSize} and {@code
   * claimedRoot} are a prefix of the signed tree.
   *
   * @param untrustedCheckpoint a checkpoint at {@code treeSize} or later
   * @param claimedRoot the root at {@code treeSize}; required when it is below the checkpoint's size
   * @param untrustedConsistency the proof from {@code treeSize} to the checkpoint's size; required
   *     when it is below the checkpoint's size, empty (or absent) when equal
   * @throws CheckpointVerificationException if the signature does not verify with the pinned key
   * @throws ProofVerificationException if a needed piece is missing, {@code treeSize} is beyond the
   *     checkpoint, or the roots and proof do not verify
   */
  public static AnchoredRoot verify(
      CheckpointVerifier verifier,
      Checkpoint untrustedCheckpoint,
      long treeSize,
      Optional<HashValue> claimedRoot,
      Optional<List<byte[]>> untrustedConsistency)
      throws CheckpointVerificationException, ProofVerificationException {
    Objects.requireNonNull(verifier, "verifier");
    Objects.requireNonNull(untrustedCheckpoint, "untrustedCheckpoint");
    verifier.verify(untrustedCheckpoint);
    Checkpoint trusted = untrustedCheckpoint;
    long anchorSize = trusted.treeSize();
    if (treeSize < 0 || treeSize > anchorSize) {
      throw new ProofVerificationException(
          "tree size", "0 <= size <= the signed checkpoint's " + anchorSize, Long.toString(treeSize));
    }
    if (treeSize == anchorSize) {
      if (claimedRoot.isPresent() && !claimedRoot.get().equals(trusted.rootHash())) {
        throw new ProofVerificationException(
            "root at tree size " + treeSize + " (the checkpoint's own size)", trusted.rootHash().hex(), claimedRoot.get().hex());
      }
      int extra = untrustedConsistency.map(List::size).orElse(0);
      if (extra != 0) {
        throw new ProofVerificationException(
            "consistency proof to a checkpoint at the same tree size", "0 hashes", extra + " hashes");
      }
      return new AnchoredRoot(trusted.ledgerId(), treeSize, trusted.rootHash());
    }
    String needed = "a root and a consistency proof from tree size " + treeSize + " to the signed checkpoint at " + anchorSize;
    HashValue root = claimedRoot.orElseThrow(() -> new ProofVerificationException("root at tree size " + treeSize, needed, "no root"));
    List<byte[]> proof = untrustedConsistency.orElseThrow(
        () -> new ProofVerificationException("consistency proof to tree size " + anchorSize, needed, "no proof"));
    ProofVerifier.verifyConsistency(treeSize, anchorSize, proof, root.bytes(), trusted.rootHash().bytes());
    return new AnchoredRoot(trusted.ledgerId(), treeSize, root);
  }
}
