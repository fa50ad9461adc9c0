package dev.arbiter.ledger.tree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.ledger.merkle.Rfc9162;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class TileProperties {
  /** Every complete node of a tile of any width equals the RFC 9162 hash over its bottom range, asked in any order. */
  @Property(tries = 300)
  void everyCompleteNodeIsTheHashOfItsRange(@ForAll @IntRange(min = 1, max = 256) int width, @ForAll long seed) {
    List<byte[]> bottom = randomHashes(width, seed);
    Tile tile = Tile.of(bottom);
    List<int[]> nodes = new ArrayList<>();
    for (int r = 0; r <= TiledTree.TILE_HEIGHT; r++) {
      for (int i = 0; ((i + 1) << r) <= width; i++) {
        nodes.add(new int[] {r, i});
      }
    }
    java.util.Collections.shuffle(nodes, new Random(seed));
    for (int[] n : nodes) {
      assertThat(tile.node(n[0], n[1])).as("node (%d,%d) of width %d", n[0], n[1], width)
          .isEqualTo(reference(bottom, n[0], n[1]));
    }
  }

  @Test
  void aGrowingTileKeepsItsMemoisedNodes_andHandsOutCopies() {
    List<byte[]> bottom = randomHashes(256, 7);
    Tile tile = new Tile();
    for (int w = 0; w < 256; w++) {
      tile.add(bottom.get(w));
      int r = Integer.numberOfTrailingZeros(w + 1); // the highest node this leaf completed
      r = Math.min(r, TiledTree.TILE_HEIGHT);
      int i = (w + 1 >> r) - 1;
      byte[] node = tile.node(r, i);
      assertThat(node).isEqualTo(reference(bottom, r, i));
      node[0] ^= 1; // a caller's change must not reach the memo
      assertThat(tile.node(r, i)).isEqualTo(reference(bottom, r, i));
    }
    assertThat(tile.isFull()).isTrue();
    assertThatThrownBy(() -> tile.add(bottom.get(0))).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void refusesIncompleteNodesAndWrongSizedHashes() {
    Tile tile = Tile.of(randomHashes(3, 1));
    assertThatThrownBy(() -> tile.node(2, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> tile.node(0, 3)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> tile.add(new byte[31])).isInstanceOf(IllegalArgumentException.class);
    assertThat(tile.width()).isEqualTo(3);
  }

  private static byte[] reference(List<byte[]> bottom, int r, int i) {
    if (r == 0) {
      return bottom.get(i);
    }
    return Rfc9162.hashChildren(reference(bottom, r - 1, 2 * i), reference(bottom, r - 1, 2 * i + 1));
  }

  private static List<byte[]> randomHashes(int n, long seed) {
    Random random = new Random(seed);
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] h = new byte[32];
      random.nextBytes(h);
      out.add(h);
    }
    return out;
  }
}
