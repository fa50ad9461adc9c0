package dev.arbiter.ledger.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.core.crypto.KeyId;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.TestLedgers;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.checkpoint.CheckpointSigner;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link LedgerStore} must meet; one subclass per backend runs it (STYLE 14).
 * The store only persists: these tests hand it rows and checkpoints directly.
 */
public abstract class LedgerStoreContract {
  protected LedgerStore store;
  private final SigningKey key = TestLedgers.newKey();
  private final CheckpointSigner signer = new CheckpointSigner(key);

  /** A new, empty, writable store. */
  protected abstract LedgerStore newStore() throws Exception;

  @BeforeEach
  void open() throws Exception {
    store = newStore();
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static StoredEntry row(long leaf, String stream, long seq) {
    byte[] hash = new byte[32];
    hash[0] = (byte) leaf;
    hash[1] = (byte) (leaf >> 8);
    return new StoredEntry(leaf, stream, seq, "decision.created", hash, ("{\"n\":" + leaf + "}").getBytes());
  }

  private Checkpoint cp(long size) {
    byte[] root = new byte[32];
    root[31] = (byte) size;
    return signer.sign("ldg_test", size, HashValue.of(root), "2026-11-25T00:00:00.000000Z");
  }

  @Test
  void newStore_isEmpty_andHasNoIdentity() throws Exception {
    assertThat(store.identity()).isEmpty();
    assertThat(store.size()).isZero();
    assertThat(store.latestCheckpoint()).isEmpty();
  }

  @Test
  void initialize_once() throws Exception {
    LedgerIdentity id = new LedgerIdentity("ldg_test", key.keyId());
    store.initialize(id, cp(0));
    assertThat(store.identity()).contains(id);
    assertThat(store.latestCheckpoint().orElseThrow().treeSize()).isZero();
    LedgerIdentity other = new LedgerIdentity("ldg_other", new KeyId("sha256:" + "0".repeat(64)));
    assertThatThrownBy(() -> store.initialize(other, signer.sign("ldg_other", 0, cp(0).rootHash(), "2026-11-25T00:00:00.000000Z")))
        .isInstanceOf(LedgerStoreException.class);
    assertThat(store.identity()).contains(id);
  }

  @Test
  void commit_thenEveryReadSeesTheRowsInLeafOrder() throws Exception {
    List<StoredEntry> rows = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      rows.add(row(i, "dec_" + (i % 3), i / 3));
    }
    store.commit(new CommitBatch(rows.subList(0, 100), List.of(), cp(100)));
    store.commit(List.of(
        new CommitBatch(rows.subList(100, 256), List.of(new StoredNode(8, 0, new byte[32])), cp(256)),
        new CommitBatch(rows.subList(256, 300), List.of(), cp(300))));
    assertThat(store.size()).isEqualTo(300);
    assertThat(store.latestCheckpoint().orElseThrow().treeSize()).isEqualTo(300);
    assertThat(store.checkpoint(256)).isPresent();
    assertThat(store.checkpoint(255)).isEmpty();
    assertThat(store.checkpointAtOrAfter(0).orElseThrow().treeSize()).isEqualTo(100);
    assertThat(store.checkpointAtOrAfter(100).orElseThrow().treeSize()).isEqualTo(100);
    assertThat(store.checkpointAtOrAfter(101).orElseThrow().treeSize()).isEqualTo(256);
    assertThat(store.checkpointAtOrAfter(257).orElseThrow().treeSize()).isEqualTo(300);
    assertThat(store.checkpointAtOrAfter(301)).isEmpty();
    try (Cursor<StoredEntry> c = store.scanEntries(0)) {
      for (int i = 0; i < 300; i++) {
        StoredEntry e = c.next();
        assertThat(e.leafIndex()).isEqualTo(i);
        assertThat(e.streamId()).isEqualTo("dec_" + (i % 3));
        assertThat(e.streamSeq()).isEqualTo(i / 3);
        assertThat(e.envelope()).isEqualTo(rows.get(i).envelope());
      }
      assertThat(c.next()).isNull();
    }
    try (Cursor<Checkpoint> c = store.scanCheckpoints()) {
      assertThat(c.next().treeSize()).isEqualTo(100);
      assertThat(c.next().treeSize()).isEqualTo(256);
      assertThat(c.next().treeSize()).isEqualTo(300);
      assertThat(c.next()).isNull();
    }
    assertThat(store.entryHashes(250, 10)).hasSize(10).first().isEqualTo(rows.get(250).entryHash());
    assertThat(store.entryHashes(295, 10)).hasSize(5);
    assertThat(store.nodes(8, 0, 256)).hasSize(1);
    assertThat(store.streamHead("dec_1").orElseThrow().streamSeq()).isEqualTo(99);
    assertThat(store.streamHead("dec_9")).isEmpty();
    assertThat(store.streamEntry("dec_2", 5).orElseThrow().leafIndex()).isEqualTo(17);
    assertThat(store.query(new EntryQuery("dec_0", null, 10, 3))).extracting(StoredEntry::leafIndex).containsExactly(12L, 15L, 18L);
    assertThat(store.entry(299)).isPresent();
    assertThat(store.entry(300)).isEmpty();
  }

  @Test
  void commit_outOfOrder_isRefused_andLeavesNothing() throws Exception {
    store.commit(new CommitBatch(List.of(row(0, "dec_a", 0)), List.of(), cp(1)));
    assertThatThrownBy(() -> store.commit(new CommitBatch(List.of(row(2, "dec_a", 1)), List.of(), cp(3))))
        .isInstanceOf(LedgerStoreException.class);
    assertThat(store.size()).isEqualTo(1);
    assertThat(store.latestCheckpoint().orElseThrow().treeSize()).isEqualTo(1);
  }

  @Test
  void commit_isAtomic_whenALaterBatchInTheTransactionIsBad() throws Exception {
    CommitBatch good = new CommitBatch(List.of(row(0, "dec_a", 0)), List.of(), cp(1));
    CommitBatch bad = new CommitBatch(List.of(row(1, "dec_a", 0)), List.of(), cp(2)); // duplicate (stream, seq)
    assertThatThrownBy(() -> store.commit(List.of(good, bad))).isInstanceOf(LedgerStoreException.class);
    assertThat(store.size()).isZero();
    assertThat(store.latestCheckpoint()).isEmpty();
    store.commit(good);
    assertThat(store.size()).isEqualTo(1);
  }

  @Test
  void checkpointMustMatchTheSizeAfterItsBatch() throws Exception {
    assertThatThrownBy(() -> store.commit(new CommitBatch(List.of(row(0, "dec_a", 0)), List.of(), cp(5))))
        .isInstanceOf(LedgerStoreException.class).hasMessageContaining("does not match");
    assertThat(store.size()).isZero();
  }
}
