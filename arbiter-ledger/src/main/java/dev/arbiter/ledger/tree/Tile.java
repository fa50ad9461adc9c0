package dev.arbiter.ledger.tree;

import dev.arbiter.ledger.merkle.Rfc9162;

/**
 * Up to 256 consecutive nodes of one "bottom" level (a multiple of 8), and the memoised complete
 * nodes above them inside the tile (relative levels 1..8). Only the tree's right edge tile grows;
 * bottoms never change once set, so memoised nodes stay valid.
 */
final class Tile {
  static final int WIDTH = 256;

  private final byte[][][] levels = new byte[TiledTree.TILE_HEIGHT + 1][][];
  private int width;

  Tile() {
    for (int r = 0; r <= TiledTree.TILE_HEIGHT; r++) {
      levels[r] = new byte[WIDTH >> r][];
    }
  }

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
    levels[0][width++] = hash;
  }

  /** The complete node at relative level {@code r} (0..8) and index {@code i} inside this tile. */
  byte[] node(int r, int i) {
    if (((i + 1) << r) > width) {
      throw new IllegalArgumentException("node (" + r + "," + i + ") is not complete in a tile of width " + width);
    }
    byte[] h = levels[r][i];
    if (h == null) {
      h = Rfc9162.hashChildren(node(r - 1, 2 * i), node(r - 1, 2 * i + 1));
      levels[r][i] = h;
    }
    return h;
  }
}
