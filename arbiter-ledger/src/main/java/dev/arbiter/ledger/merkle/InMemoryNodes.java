package dev.arbiter.ledger.merkle;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A whole RFC 9162 tree in memory: every complete node of every level, one {@code List<byte[]>}
 * per level (level 0 = leaf hashes, level l+1 node i = {@code SHA-256(0x01 ‖ l[2i] ‖ l[2i+1])}).
 * For tests and small trees only: it keeps about two hashes per leaf.
 *
 * <p>Nodes are added as soon as they are complete, so {@link #completeNode} answers for any node
 * that is complete within {@link #size()} and throws {@link IllegalArgumentException} for any other.
 * Arrays are copied in and out. Not thread-safe.
 */
public final class InMemoryNodes implements NodeSource {

  private final List<List<byte[]>> levels = new ArrayList<>();

  /** An empty tree. */
  public InMemoryNodes() {}

  /**
   * Appends a leaf hash ({@code SHA-256(0x00 ‖ entry)}, computed by the caller) and every node it
   * completes.
   *
   * @throws IllegalArgumentException if {@code leafHash} is not 32 bytes
   */
  public void append(byte[] leafHash) {
    Objects.requireNonNull(leafHash, "leafHash");
    if (leafHash.length != Rfc9162.HASH_SIZE) {
      throw new IllegalArgumentException(
          "leaf hash must be " + Rfc9162.HASH_SIZE + " bytes, was " + leafHash.length);
    }
    byte[] node = leafHash.clone();
    for (int level = 0; ; level++) {
      if (levels.size() == level) {
        levels.add(new ArrayList<>());
      }
      List<byte[]> row = levels.get(level);
      row.add(node);
      int n = row.size();
      if (n % 2 != 0) {
        return;
      }
      node = Rfc9162.hashChildren(row.get(n - 2), row.get(n - 1));
    }
  }

  /** Number of leaves appended so far. */
  public long size() {
    return levels.isEmpty() ? 0 : levels.get(0).size();
  }

  @Override
  public byte[] completeNode(int level, long index) {
    if (level < 0 || level >= levels.size() || index < 0 || index >= levels.get(level).size()) {
      throw new IllegalArgumentException(
          "no complete node at level " + level + ", index " + index + " in a tree of size " + size());
    }
    return levels.get(level).get((int) index).clone();
  }
}
