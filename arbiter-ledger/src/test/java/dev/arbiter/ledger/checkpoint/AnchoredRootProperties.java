package dev.arbiter.ledger.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.TestLedgers;
import dev.arbiter.ledger.merkle.InMemoryNodes;
import dev.arbiter.ledger.merkle.MerkleProofs;
import dev.arbiter.ledger.merkle.ProofVerificationException;
import dev.arbiter.ledger.merkle.Rfc9162;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * A tree size anchored in a later signed checkpoint: honest anchors verify at every size, and any
 * single tampering (a bit of the claimed root, of a proof hash, of the size; a hash added or
 * removed; a piece left out; the checkpoint's root) is rejected.
 */
class AnchoredRootProperties {
  private static final SigningKey KEY = TestLedgers.newKey();
  private static final CheckpointSigner SIGNER = new CheckpointSigner(KEY);
  private static final CheckpointVerifier VERIFIER = new CheckpointVerifier(KEY.verifyingKey());

  enum Tamper { ROOT_BIT, PROOF_BIT, SIZE_BIT, ADD_ELEMENT, REMOVE_ELEMENT, NO_ROOT, NO_PROOF, CHECKPOINT_ROOT_BIT }

  @Property(tries = 40)
  void everySize_upToTheCheckpoint_isAnchored(@ForAll @IntRange(min = 1, max = 700) int anchor, @ForAll long seed)
      throws Exception {
    InMemoryNodes nodes = tree(seed, anchor);
    Checkpoint cp = sign(anchor, MerkleProofs.root(nodes, anchor));
    for (int size = 1; size <= anchor; size++) {
      HashValue root = HashValue.of(MerkleProofs.root(nodes, size));
      AnchoredRoot r = AnchoredRoot.verify(VERIFIER, cp, size, Optional.of(root),
          Optional.of(MerkleProofs.consistency(nodes, size, anchor)));
      assertThat(r.root()).isEqualTo(root);
      assertThat(r.treeSize()).isEqualTo(size);
    }
    assertThat(AnchoredRoot.verify(VERIFIER, cp, anchor, Optional.empty(), Optional.empty()).root()).isEqualTo(cp.rootHash());
  }

  @Property(tries = 600)
  void anyTampering_isRejected(
      @ForAll @IntRange(min = 1, max = 700) int anchor,
      @ForAll @IntRange(min = 0, max = 1_000_000) int sizePick,
      @ForAll long seed,
      @ForAll Tamper tamper,
      @ForAll @IntRange(min = 0, max = 255) int bit,
      @ForAll @IntRange(min = 0, max = 1_000_000) int elementPick) throws Exception {
    InMemoryNodes nodes = tree(seed, anchor);
    long size = 1 + sizePick % anchor;
    byte[] root = MerkleProofs.root(nodes, size);
    List<byte[]> proof = new ArrayList<>(MerkleProofs.consistency(nodes, size, anchor));
    Checkpoint cp = sign(anchor, MerkleProofs.root(nodes, anchor));
    Optional<HashValue> claimed = Optional.of(HashValue.of(root));
    Optional<List<byte[]>> consistency = Optional.of(proof);
    switch (tamper) {
      case ROOT_BIT -> claimed = Optional.of(HashValue.of(flip(root, bit)));
      case PROOF_BIT -> {
        Assume.that(!proof.isEmpty());
        int i = elementPick % proof.size();
        proof.set(i, flip(proof.get(i), bit));
      }
      case SIZE_BIT -> size ^= 1L << (bit % 12);
      case ADD_ELEMENT -> proof.add(elementPick % (proof.size() + 1), flip(root, bit));
      case REMOVE_ELEMENT -> {
        Assume.that(!proof.isEmpty());
        proof.remove(elementPick % proof.size());
      }
      case NO_ROOT -> {
        Assume.that(size < anchor);
        claimed = Optional.empty();
      }
      case NO_PROOF -> {
        Assume.that(size < anchor);
        consistency = Optional.empty();
      }
      case CHECKPOINT_ROOT_BIT -> cp = sign(anchor, flip(cp.rootHash().bytes(), bit)); // validly signed, other tree
    }
    long tamperedSize = size;
    Checkpoint anchorCp = cp;
    Optional<HashValue> r = claimed;
    Optional<List<byte[]>> c = consistency;
    assertThatThrownBy(() -> AnchoredRoot.verify(VERIFIER, anchorCp, tamperedSize, r, c))
        .isInstanceOf(ProofVerificationException.class);
  }

  @Property(tries = 50)
  void aForgedSignature_isRejectedBeforeAnyProof(@ForAll @IntRange(min = 1, max = 300) int anchor, @ForAll long seed) {
    InMemoryNodes nodes = tree(seed, anchor);
    Checkpoint cp = sign(anchor, MerkleProofs.root(nodes, anchor));
    byte[] sig = cp.signature();
    sig[0] ^= 1;
    Checkpoint forged = new Checkpoint(cp.ledgerId(), cp.treeSize(), cp.rootHash(), cp.timestamp(), cp.keyId(), sig);
    assertThatThrownBy(() -> AnchoredRoot.verify(VERIFIER, forged, anchor, Optional.empty(), Optional.empty()))
        .isInstanceOf(CheckpointVerificationException.class);
  }

  private static Checkpoint sign(long size, byte[] root) {
    return SIGNER.sign("ldg_test", size, HashValue.of(root), "2026-11-26T00:00:00.000000Z");
  }

  private static InMemoryNodes tree(long seed, int size) {
    InMemoryNodes nodes = new InMemoryNodes();
    for (int i = 0; i < size; i++) {
      nodes.append(Rfc9162.hashLeaf(ByteBuffer.allocate(16).putLong(seed).putLong(i).array()));
    }
    return nodes;
  }

  private static byte[] flip(byte[] hash, int bit) {
    byte[] copy = hash.clone();
    copy[(bit >>> 3) % copy.length] ^= (byte) (1 << (bit & 7));
    return copy;
  }
}
