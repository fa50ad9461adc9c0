package dev.arbiter.cli.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.checkpoint.AnchoredRoot;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.checkpoint.CheckpointVerificationException;
import dev.arbiter.ledger.checkpoint.CheckpointVerifier;
import dev.arbiter.ledger.merkle.ProofVerificationException;
import dev.arbiter.ledger.merkle.ProofVerifier;
import java.util.List;
import java.util.Optional;

/**
 * A consistency proof as {@code ledger prove --from A --to B} prints it and {@code ledger
 * verify-proof} reads it. When commit batches ended at both sizes the JSON has exactly the fields
 * {@code type, size1, size2, proof, checkpoint1, checkpoint2}: both signed checkpoints. Otherwise:
 *
 * <ul>
 *   <li>no checkpoint at A: {@code root1} (the root at A) instead of {@code checkpoint1}; the proof
 *       recomputes it from the same hashes as the root at B, so it is authenticated with that;
 *   <li>no checkpoint at B: {@code checkpoint2} is the next signed checkpoint, with {@code root2}
 *       (the root at B) and {@code checkpoint_consistency} (from B to it); see {@link AnchoredRoot}.
 * </ul>
 *
 * <p>Everything in it is untrusted until {@link #verify} returns.
 */
record ConsistencyProof(
    long size1,
    long size2,
    List<byte[]> untrustedProof,
    Optional<Checkpoint> untrustedCheckpoint1,
    Optional<HashValue> claimedRoot1,
    Checkpoint untrustedCheckpoint2,
    Optional<HashValue> claimedRoot2,
    Optional<List<byte[]>> untrustedCheckpointConsistency) {

  static final String TYPE = "consistency";

  /** @throws IllegalArgumentException naming a field that is missing or malformed (exit 2) */
  static ConsistencyProof parse(JsonNode json) {
    return new ConsistencyProof(
        ProofJson.integer(json, "size1"),
        ProofJson.integer(json, "size2"),
        ProofJson.hashes(json, "proof"),
        ProofJson.optionalCheckpoint(json, "checkpoint1"),
        ProofJson.optionalHash(json, "root1"),
        ProofJson.checkpoint(json, "checkpoint2"),
        ProofJson.optionalHash(json, "root2"),
        ProofJson.optionalHashes(json, "checkpoint_consistency"));
  }

  ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("type", TYPE);
    o.put("size1", size1);
    o.put("size2", size2);
    o.set("proof", ProofJson.toJson(untrustedProof));
    untrustedCheckpoint1.ifPresent(c -> o.set("checkpoint1", c.toJson()));
    o.set("checkpoint2", untrustedCheckpoint2.toJson());
    claimedRoot1.ifPresent(r -> o.put("root1", r.hex()));
    claimedRoot2.ifPresent(r -> o.put("root2", r.hex()));
    untrustedCheckpointConsistency.ifPresent(p -> o.set("checkpoint_consistency", ProofJson.toJson(p)));
    return o;
  }

  /**
   * Checks, in order: the older side (checkpoint1's signature and its size equal to {@code size1},
   * or a claimed {@code root1}), the newer side anchored in checkpoint2, both checkpoints of one
   * ledger, then the proof between the two roots.
   *
   * @return what was proven, for the user
   */
  String verify(CheckpointVerifier verifier) throws CheckpointVerificationException, ProofVerificationException {
    HashValue root1;
    if (untrustedCheckpoint1.isPresent()) {
      Checkpoint cp1 = untrustedCheckpoint1.get();
      verifier.verify(cp1);
      if (cp1.treeSize() != size1) {
        throw new ProofVerificationException("size1", "checkpoint1's tree size " + cp1.treeSize(), Long.toString(size1));
      }
      root1 = AnchoredRoot.verify(verifier, cp1, size1, claimedRoot1, Optional.empty()).root();
      if (!cp1.ledgerId().equals(untrustedCheckpoint2.ledgerId())) {
        throw new ProofVerificationException("checkpoint ledger ids", "one ledger", cp1.ledgerId() + " and "
            + untrustedCheckpoint2.ledgerId());
      }
    } else {
      root1 = claimedRoot1.orElseThrow(() -> new ProofVerificationException(
          "root at size1 " + size1, "checkpoint1 or root1", "neither"));
    }
    AnchoredRoot root2 = AnchoredRoot.verify(
        verifier, untrustedCheckpoint2, size2, claimedRoot2, untrustedCheckpointConsistency);
    ProofVerifier.verifyConsistency(size1, size2, untrustedProof, root1.bytes(), root2.root().bytes());
    // The roots are named: a root saved earlier is what a user compares this proof with.
    return "ok: ledger " + root2.ledgerId() + " at size " + size2 + " (root " + root2.root().hex()
        + ") extends its state at size " + size1 + " (root " + root1.hex() + ")"
        + InclusionProof.anchoredAt(untrustedCheckpoint2, size2);
  }
}
