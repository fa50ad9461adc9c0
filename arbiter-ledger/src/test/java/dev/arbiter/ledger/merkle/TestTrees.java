package dev.arbiter.ledger.merkle;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Test fixtures: the rfc6962 8-leaf test tree, seeded random trees, bit flips. */
final class TestTrees {

  private TestTrees() {}

  static final HexFormat HEX = HexFormat.of();

  /** LeafInputs() of transparency-dev/merkle testonly/constants.go. */
  static final List<byte[]> RFC6962_LEAF_INPUTS =
      List.of(
          hex(""),
          hex("00"),
          hex("10"),
          hex("2021"),
          hex("3031"),
          hex("40414243"),
          hex("5051525354555657"),
          hex("606162636465666768696a6b6c6d6e6f"));

  static byte[] hex(String s) {
    return HEX.parseHex(s);
  }

  /** Leaf hashes of {@code size} distinct pseudo-random entries derived from {@code seed}. */
  static List<byte[]> leafHashes(long seed, int size) {
    List<byte[]> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      int len = (int) Math.floorMod(seed + i, 5L) * 4;
      ByteBuffer entry = ByteBuffer.allocate(16 + len).putLong(seed).putLong(i);
      out.add(Rfc9162.hashLeaf(entry.array()));
    }
    return out;
  }

  static InMemoryNodes tree(List<byte[]> leafHashes) {
    InMemoryNodes nodes = new InMemoryNodes();
    leafHashes.forEach(nodes::append);
    return nodes;
  }

  static byte[] flipBit(byte[] hash, int bit) {
    byte[] copy = hash.clone();
    copy[(bit >>> 3) % copy.length] ^= (byte) (1 << (bit & 7));
    return copy;
  }

  static List<byte[]> withElement(List<byte[]> proof, int i, byte[] element) {
    List<byte[]> copy = new ArrayList<>(proof);
    copy.set(i, element);
    return copy;
  }

  /**
   * MTH(D[n]) straight from the RFC 9162 §2.1.1 definition over the leaf hashes: an oracle that
   * shares nothing with {@link MerkleProofs} or {@link CompactRange} except {@link Rfc9162}.
   */
  static byte[] referenceRoot(List<byte[]> leafHashes) {
    int n = leafHashes.size();
    if (n == 0) {
      return Rfc9162.emptyRoot();
    }
    if (n == 1) {
      return leafHashes.get(0);
    }
    int k = Integer.highestOneBit(n - 1);
    return Rfc9162.hashChildren(
        referenceRoot(leafHashes.subList(0, k)), referenceRoot(leafHashes.subList(k, n)));
  }
}
