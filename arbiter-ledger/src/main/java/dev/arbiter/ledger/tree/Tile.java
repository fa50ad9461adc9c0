package dev.arbiter.ledger.tree;

import dev.arbiter.ledger.merkle.Rfc9162;
import java.util.Arrays;

/**
 * Up to 256 consecutive nodes of one "bottom" level (a multiple of 8), and the memoised complete
 * nodes above them inside the tile (relative levels 1..8). Only the tree's right edge tile grows;
 * bottoms never change once set, so memoised nodes stay valid.
 *
 * <p>All 511 hashes live in one byte array, level after level, and a bitmap marks the memoised ones.
 * As one object per hash, the ~500 hashes of each tile completed since the last young collection
 * (the tree caches 512 tiles, the last ~130,000 leaves) were copied one by one into the old
 * generation: at 50,000 appends/s ~2 of the ~7 MB promoted per collection (BENCHMARKS.md). A byte
 * array is copied in one move and holds no references to scan; a cached tile takes 16 KB, not
 * ~28 KB. {@link #node} hands out copies, so no caller can change a memo.
 */
final class Tile {
  static final int WIDTH = 256;
  private static final int HASH = Rfc9162.HASH_SIZE;
  /** The index of relative level r's first node: 0, 256, 384, ... 510. */
  private static final int[] LEVEL_START = new int[TiledTree.TILE_HEIGHT + 1];
  private static final int NODES;

  static {
    int at = 0;
    for (int r = 0; r <= TiledTree.TILE_HEIGHT; r++) {
      LEVEL_START[r] = at;
      at += WIDTH >> r;
    }
    NODES = at;
  }

  private final byte[] hashes = new byte[NODES * HASH];
  /** Bit n: node n above level 0 is computed. Level 0 holds exactly the first {@code width} nodes. */
  private final long[] memo = new long[(NODES + 63) / 64];
  private int width;

  static Tile of(java.util.List<byte[]> bottom) {
    Tile t = new Tile();
    for (byte[] h : bottom) {
      t.add(h);
    }
    return t;
  }

  int width() {
    return width;
  }

  boolean isFull() {
    return width == WIDTH;
  }

  void add(byte[] hash) {
    if (width == WIDTH) {
      throw new IllegalStateException("tile is full");
    }
    if (hash.length != HASH) {
      throw new IllegalArgumentException("a node hash is 32 bytes, got " + hash.length);
    }
    System.arraycopy(hash, 0, hashes, width++ * HASH, HASH);
  }

  /** The complete node at relative level {@code r} (0..8) and index {@code i} inside this tile (a copy). */
  byte[] node(int r, int i) {
    if (((i + 1) << r) > width) {
      throw new IllegalArgumentException("node (" + r + "," + i + ") is not complete in a tile of width " + width);
    }
    int n = compute(r, i);
    return Arrays.copyOfRange(hashes, n * HASH, n * HASH + HASH);
  }

  /** Makes the complete node (r, i) present in {@link #hashes}; returns its node number. */
  private int compute(int r, int i) {
    int n = LEVEL_START[r] + i;
    if (r > 0 && (memo[n >>> 6] & (1L << n)) == 0) {
      int left = compute(r - 1, 2 * i); // its sibling 2i+1 sits right after it
      compute(r - 1, 2 * i + 1);
      Rfc9162.hashChildren(hashes, left * HASH, hashes, n * HASH);
      memo[n >>> 6] |= 1L << n;
    }
    return n;
  }
}
