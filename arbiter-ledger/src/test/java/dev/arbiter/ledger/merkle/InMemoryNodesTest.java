package dev.arbiter.ledger.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InMemoryNodesTest {

  @Test
  void completeNode_whenNodeNotYetComplete_throws() {
    InMemoryNodes nodes = TestTrees.tree(TestTrees.leafHashes(1, 5));
    assertThat(nodes.size()).isEqualTo(5);
    assertThat(nodes.completeNode(2, 0)).isNotNull();
    assertThatThrownBy(() -> nodes.completeNode(1, 2)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> nodes.completeNode(3, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> nodes.completeNode(0, 5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> nodes.completeNode(-1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> nodes.completeNode(0, -1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void completeNode_returnsACopy() {
    InMemoryNodes nodes = TestTrees.tree(TestTrees.leafHashes(1, 2));
    byte[] before = nodes.completeNode(1, 0);
    nodes.completeNode(1, 0)[0] ^= 1;
    assertThat(nodes.completeNode(1, 0)).isEqualTo(before);
  }

  @Test
  void empty_hasSizeZero() {
    assertThat(new InMemoryNodes().size()).isZero();
    assertThat(MerkleProofs.root(new InMemoryNodes(), 0)).isEqualTo(Rfc9162.emptyRoot());
  }

  @Test
  void append_whenLeafHashNot32Bytes_throws() {
    InMemoryNodes nodes = new InMemoryNodes();
    assertThatThrownBy(() -> nodes.append(new byte[0])).isInstanceOf(IllegalArgumentException.class);
    assertThat(nodes.size()).isZero();
  }
}
