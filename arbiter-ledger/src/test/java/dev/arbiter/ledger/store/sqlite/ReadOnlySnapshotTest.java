package dev.arbiter.ledger.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.TestLedgers;
import dev.arbiter.ledger.verify.LedgerVerifier;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read-only store reads one snapshot for its whole life, whatever the writer appends meanwhile.
 * Review: a verification beside the running engine read the Merkle node count after its cursors were
 * done, on a newer snapshot; a ledger crossing 256 entries in between failed with "merkle_nodes holds
 * 1 rows but the 250 entries complete 0".
 */
class ReadOnlySnapshotTest {
  @TempDir Path dir;

  @Test
  void aReadOnlyStoreKeepsItsSnapshot_whileTheWriterAppendsPastATile() throws Exception {
    Path db = dir.resolve("l.db");
    SigningKey key = TestLedgers.newKey();
    try (Ledger ledger = TestLedgers.open(db, key)) {
      TestLedgers.fill(ledger, 5, 50, 3); // 250 entries: no complete tile of 256 yet
      try (SqliteLedgerStore ro = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
        assertThat(ro.size()).isEqualTo(250);
        assertThat(ro.nodeCount()).isZero();
        TestLedgers.fill(ledger, 2, 50, 3); // the writer goes on: 350 entries, one tile node
        assertThat(ro.size()).as("the snapshot's size").isEqualTo(250);
        assertThat(ro.nodeCount()).as("the snapshot's nodes").isZero();
        assertThat(ro.latestCheckpoint().orElseThrow().treeSize()).isEqualTo(250);
        assertThat(new LedgerVerifier(ro, key.verifyingKey(), null, null).verify().entries()).isEqualTo(250);
      }
      try (SqliteLedgerStore fresh = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
        assertThat(fresh.size()).isEqualTo(350);
        assertThat(fresh.nodeCount()).isEqualTo(1);
      }
    }
  }
}
