package dev.arbiter.cli.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.cli.CliFailure;
import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.checkpoint.AnchoredRoot;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.checkpoint.CheckpointVerificationException;
import dev.arbiter.ledger.checkpoint.CheckpointVerifier;
import dev.arbiter.ledger.merkle.ProofVerificationException;
import dev.arbiter.ledger.merkle.ProofVerifier;
import dev.arbiter.ledger.merkle.Rfc9162;
import java.util.List;
import java.util.Optional;

/**
 * An inclusion proof as {@code ledger prove --leaf} prints it and {@code ledger verify-proof} reads
 * it: the leaf, its audit path in the tree of {@code treeSize} leaves, and the signed checkpoint
 * that tree is anchored in. When a commit batch ended at {@code treeSize} that is its own checkpoint
 * and the JSON has exactly the fields {@code type, leaf_index, tree_size, entry_hash, leaf_hash,
 * proof, checkpoint}. Otherwise the checkpoint is the next one and {@code root_hash} (the root at
 * {@code treeSize}) and {@code checkpoint_consistency} (from {@code treeSize} to the checkpoint) are
 * added; see {@link AnchoredRoot}.
 *
 * <p>Everything in it is untrusted until {@link #verify} returns.
 */
record InclusionProof(
    long leafIndex,
    long treeSize,
    HashValue entryHash,
    HashValue leafHash,
    List<byte[]> untrustedProof,
    Checkpoint untrustedCheckpoint,
    Optional<HashValue> claimedRoot,
    Optional<List<byte[]>> untrustedCheckpointConsistency) {

  static final String TYPE = "inclusion";

  /** @throws IllegalArgumentException naming a field that is missing or malformed (exit 2) */
  static InclusionProof parse(JsonNode json) {
    return new InclusionProof(
        ProofJson.integer(json, "leaf_index"),
        ProofJson.integer(json, "tree_size"),
        ProofJson.hash(json, "entry_hash"),
        ProofJson.hash(json, "leaf_hash"),
        ProofJson.hashes(json, "proof"),
        ProofJson.checkpoint(json, "checkpoint"),
        ProofJson.optionalHash(json, "root_hash"),
        ProofJson.optionalHashes(json, "checkpoint_consistency"));
  }

  ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("type", TYPE);
    o.put("leaf_index", leafIndex);
    o.put("tree_size", treeSize);
    o.put("entry_hash", entryHash.hex());
    o.put("leaf_hash", leafHash.hex());
    o.set("proof", ProofJson.toJson(untrustedProof));
    o.set("checkpoint", untrustedCheckpoint.toJson());
    claimedRoot.ifPresent(r -> o.put("root_hash", r.hex()));
    untrustedCheckpointConsistency.ifPresent(p -> o.set("checkpoint_consistency", ProofJson.toJson(p)));
    return o;
  }

  /**
   * Checks, in order: the leaf hash is RFC 9162's of the entry hash (and that is {@code wantedEntry}
   * when given), the checkpoint's signature, the root at {@code treeSize} against it, then the audit
   * path against that root.
   *
   * @return what was proven, for the user
   */
  String verify(CheckpointVerifier verifier, Optional<HashValue> wantedEntry)
      throws CheckpointVerificationException, ProofVerificationException {
    HashValue computedLeaf = HashValue.of(Rfc9162.hashLeaf(entryHash.bytes()));
    if (!computedLeaf.equals(leafHash)) {
      throw new ProofVerificationException("leaf_hash (RFC 9162 leaf hash of entry_hash " + entryHash.hex() + ")",
          computedLeaf.hex(), leafHash.hex());
    }
    if (wantedEntry.isPresent() && !wantedEntry.get().equals(entryHash)) {
      throw CliFailure.verification("the proof is for entry hash " + entryHash.hex() + ", not " + wantedEntry.get().hex());
    }
    AnchoredRoot root = AnchoredRoot.verify(
        verifier, untrustedCheckpoint, treeSize, claimedRoot, untrustedCheckpointConsistency);
    ProofVerifier.verifyInclusion(computedLeaf.bytes(), leafIndex, treeSize, untrustedProof, root.root().bytes());
    return "ok: leaf " + leafIndex + " (entry " + entryHash.hex() + ") is in ledger " + root.ledgerId()
        + " at tree size " + treeSize + anchoredAt(untrustedCheckpoint, treeSize);
  }

  /** How the size was anchored, when not in a checkpoint of its own. */
  static String anchoredAt(Checkpoint checkpoint, long treeSize) {
    return checkpoint.treeSize() == treeSize ? ""
        : " (through the signed checkpoint at tree size " + checkpoint.treeSize() + ")";
  }
}
