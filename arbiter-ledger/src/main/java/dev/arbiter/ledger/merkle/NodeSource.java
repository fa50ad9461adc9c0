package dev.arbiter.ledger.merkle;

/**
 * Read access to the complete (perfect) subtrees of an RFC 9162 Merkle tree, the only nodes whose
 * hashes never change once the tree has grown past them.
 *
 * <p>The node at {@code (level, index)} covers leaves {@code [index·2^level, (index+1)·2^level)};
 * level 0 holds the leaf hashes {@code SHA-256(0x00 ‖ entry)} and every other level holds
 * {@code SHA-256(0x01 ‖ left ‖ right)} of its two children (see {@link Rfc9162}).
 */
@FunctionalInterface
public interface NodeSource {

  /**
   * The 32-byte hash of the complete subtree at {@code level} with the given {@code index}.
   * Callers ({@link MerkleProofs}) only ask for nodes that are complete within the tree size they
   * work with; an implementation should throw {@link IllegalArgumentException} for any other node
   * rather than return something made up.
   */
  byte[] completeNode(int level, long index);
}
