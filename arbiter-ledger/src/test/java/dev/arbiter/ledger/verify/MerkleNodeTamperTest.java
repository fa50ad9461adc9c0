package dev.arbiter.ledger.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.TestLedgers;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import dev.arbiter.ledger.verify.IntegrityFailure.Kind;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stored Merkle nodes (one per complete tile of 256 leaves) are checked against the entries too. */
class MerkleNodeTamperTest {
  @TempDir Path dir;
  Path db;
  SigningKey key;

  @BeforeEach
  void createLedger() throws Exception {
    db = dir.resolve("ledger.db");
    key = TestLedgers.newKey();
    try (Ledger ledger = TestLedgers.open(db, key)) {
      TestLedgers.fill(ledger, 6, 100, 5); // 600 entries: level-8 nodes 0 and 1
    }
  }

  @Test
  void untouched_verifies() throws Exception {
    assertThat(verify()).isNull();
  }

  @Test
  void rewrittenNode_isNamed() throws Exception {
    exec("DROP TRIGGER merkle_nodes_no_update", "UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 8 AND idx = 1");
    IntegrityFailure f = verify();
    assertThat(f.kind()).isEqualTo(Kind.MERKLE_NODE_MISMATCH);
    assertThat(f.leafIndex()).isEqualTo(511);
    assertThat(f.message()).contains("level 8, index 1, leaves 256 to 511").contains("does not match");
  }

  @Test
  void deletedNode_isNamed() throws Exception {
    exec("DROP TRIGGER merkle_nodes_no_delete", "DELETE FROM merkle_nodes WHERE level = 8 AND idx = 0");
    IntegrityFailure f = verify();
    assertThat(f.kind()).isEqualTo(Kind.MERKLE_NODE_MISMATCH);
    assertThat(f.leafIndex()).isEqualTo(255);
  }

  @Test
  void nodeIndexStoredAsBlob_isNamed_thoughItReadsAsTheRightNumber() throws Exception {
    // Read as a number it is still 1, but the tile loader's typed range (idx >= ? AND idx < ?) skips
    // it: the writer could not open this ledger and proofs of leaves 256 to 511 failed.
    exec("DROP TRIGGER merkle_nodes_no_update", "UPDATE merkle_nodes SET idx = CAST('1' AS BLOB) WHERE level = 8 AND idx = 1");
    IntegrityFailure f = verify();
    assertThat(f.kind()).isEqualTo(Kind.MERKLE_NODE_MISMATCH);
    assertThat(f.leafIndex()).isEqualTo(511);
    assertThat(f.message()).contains("level 8").contains("idx is stored as blob");
  }

  @Test
  void insertedNode_evenWithTriggersInPlace_isCounted() throws Exception {
    exec("INSERT INTO merkle_nodes VALUES (8, 2, zeroblob(32))");
    IntegrityFailure f = verify();
    assertThat(f.kind()).isEqualTo(Kind.MERKLE_NODE_MISMATCH);
    assertThat(f.message()).contains("merkle_nodes holds 3 rows").contains("complete 2");
  }

  private IntegrityFailure verify() throws Exception {
    try (SqliteLedgerStore store = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
      new LedgerVerifier(store, key.verifyingKey(), null, null).verify();
      return null;
    } catch (LedgerVerificationException e) {
      return e.failure();
    }
  }

  private void exec(String... sql) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      for (String s : sql) {
        st.execute(s);
      }
    }
  }
}
