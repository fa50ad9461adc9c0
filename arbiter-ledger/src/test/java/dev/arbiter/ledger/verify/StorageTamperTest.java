package dev.arbiter.ledger.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.TestLedgers;
import dev.arbiter.ledger.store.CorruptLedgerException;
import dev.arbiter.ledger.store.EntryQuery;
import dev.arbiter.ledger.store.StoredEntry;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import dev.arbiter.ledger.verify.IntegrityFailure.Kind;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A hostile DBA who changes how rows are stored rather than what they say: a column's storage type,
 * the stream index's B-tree, the schema. The bytes still hash right, yet typed lookups ({@code
 * stream_id = ?}: the engine's replays, the writer's stream heads) no longer find the entry. Triggers
 * are dropped first, as in {@link TamperTest}.
 */
class StorageTamperTest {
  @TempDir Path dir;
  Path db;
  SigningKey key;

  /** 10 batches of 30 events over 7 streams: 300 entries, one complete tile of 256 leaves. */
  @BeforeEach
  void createLedger() throws Exception {
    db = dir.resolve("ledger.db");
    key = TestLedgers.newKey();
    try (Ledger ledger = TestLedgers.open(db, key)) {
      TestLedgers.fill(ledger, 10, 30, 7);
    }
    for (String t : new String[] {"entries", "checkpoints", "merkle_nodes", "ledger_meta"}) {
      exec("DROP TRIGGER " + t + "_no_update", "DROP TRIGGER " + t + "_no_delete");
    }
  }

  @ParameterizedTest(name = "{0} stored as {2}")
  @CsvSource({
    "stream_id,  CAST(stream_id AS BLOB),  blob, text",
    "event_type, CAST(event_type AS BLOB), blob, text",
    "stream_seq, CAST(stream_seq AS BLOB), blob, integer",
    "entry_hash, CAST(entry_hash AS TEXT), text, blob",
    "envelope,   CAST(envelope AS TEXT),   text, blob",
  })
  void columnStoredAsAnotherType_isNamedAtItsEntry(String column, String value, String found, String declared)
      throws Exception {
    exec("UPDATE entries SET " + column + " = " + value + " WHERE leaf_index = 137");
    IntegrityFailure f = failure();
    assertThat(f.kind()).isEqualTo(Kind.COLUMN_TYPE);
    assertThat(f.leafIndex()).isEqualTo(137);
    assertThat(f.streamId()).isEqualTo("dec_stream" + (137 % 7));
    assertThat(f.streamSeq()).isEqualTo(137 / 7);
    assertThat(f.expected()).isEqualTo(column + " " + declared);
    assertThat(f.found()).isEqualTo(column + " " + found);
    assertThat(f.message()).contains("leaf 137").contains(column + " is stored as " + found);
  }

  @Test
  void blobStreamId_isNamed_thoughTheStreamLookupsItBreaksAreWhatMakesItHarmful() throws Exception {
    // Leaf 297 is the last entry of dec_stream3: every entry hashes right, nothing later chains on it.
    exec("UPDATE entries SET stream_id = CAST(stream_id AS BLOB) WHERE leaf_index = 297");
    try (SqliteLedgerStore s = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
      assertThat(s.query(new EntryQuery("dec_stream3", null, 0, 1000))).extracting(StoredEntry::leafIndex)
          .as("what the engine's replay and the writer's stream head read").doesNotContain(297L);
    }
    IntegrityFailure f = failure();
    assertThat(f.kind()).isEqualTo(Kind.COLUMN_TYPE);
    assertThat(f.leafIndex()).isEqualTo(297);
    assertThat(f.streamId()).isEqualTo("dec_stream3");
  }

  @Test
  void editedPayloadThatAlsoChangedTheType_isStillNamedAsAltered() throws Exception {
    // The README's tampering command: replace() returns TEXT, so the envelope changes type too.
    exec("UPDATE entries SET envelope = replace(envelope, 'event 137', 'event 999') WHERE leaf_index = 137");
    IntegrityFailure f = failure();
    assertThat(f.kind()).isEqualTo(Kind.ENTRY_HASH_MISMATCH);
    assertThat(f.leafIndex()).isEqualTo(137);
  }

  @Test
  void anEarlierEditedEntry_isNamedBeforeALaterTypeChange() throws Exception {
    exec("UPDATE entries SET stream_id = CAST(stream_id AS BLOB) WHERE leaf_index = 200",
        "UPDATE entries SET envelope = CAST(replace(envelope, 'event 150', 'event 999') AS BLOB) WHERE leaf_index = 150");
    IntegrityFailure f = failure();
    assertThat(f.kind()).isEqualTo(Kind.ENTRY_HASH_MISMATCH);
    assertThat(f.leafIndex()).isEqualTo(150);
  }

  @Test
  void checkpointColumnStoredAsAnotherType_isReportedAsCorruptData() throws Exception {
    exec("UPDATE checkpoints SET ledger_id = CAST(ledger_id AS BLOB) WHERE tree_size = 150");
    try (SqliteLedgerStore store = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
      assertThatThrownBy(() -> new LedgerVerifier(store, key.verifyingKey(), null, null).verify())
          .isInstanceOf(CorruptLedgerException.class)
          .hasMessageContaining("checkpoint row at tree size 150").hasMessageContaining("ledger_id is stored as blob");
    }
  }

  @Test
  void ledgerMetaStoredAsAnotherType_isReportedAsCorruptData() throws Exception {
    exec("UPDATE ledger_meta SET value = CAST(value AS BLOB) WHERE key = 'ledger_id'");
    try (SqliteLedgerStore store = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
      assertThatThrownBy(() -> new LedgerVerifier(store, key.verifyingKey(), null, null).verify())
          .isInstanceOf(CorruptLedgerException.class).hasMessageContaining("ledger_meta");
    }
  }

  @Test
  void malformedLedgerKeyId_isReportedAsCorruptData() throws Exception {
    exec("UPDATE ledger_meta SET value = 'garbage' WHERE key = 'ledger_key_id'");
    try (SqliteLedgerStore store = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
      assertThatThrownBy(() -> new LedgerVerifier(store, key.verifyingKey(), null, null).verify())
          .isInstanceOf(CorruptLedgerException.class).hasMessageContaining("ledger_key_id");
    }
  }

  @Test
  void streamIndexMissingARow_isNamedAsDamagedStorage_atThatEntry() throws Exception {
    // The review's attack: build the stream index without leaf 297 in a shadow table, swap the two
    // indexes' root pages through writable_schema, drop the shadow. Every row of entries is intact.
    exec("CREATE TABLE shadow (leaf_index INTEGER PRIMARY KEY, stream_id TEXT, stream_seq INTEGER,"
            + " event_type TEXT, entry_hash BLOB, envelope BLOB)",
        "INSERT INTO shadow SELECT * FROM entries WHERE leaf_index <> 297",
        "CREATE UNIQUE INDEX shadow_idx ON shadow (stream_id, stream_seq)");
    long real = longQuery("SELECT rootpage FROM sqlite_master WHERE name = 'entries_by_stream'");
    long fake = longQuery("SELECT rootpage FROM sqlite_master WHERE name = 'shadow_idx'");
    exec("PRAGMA writable_schema = ON",
        "UPDATE sqlite_master SET rootpage = " + fake + " WHERE name = 'entries_by_stream'",
        "UPDATE sqlite_master SET rootpage = " + real + " WHERE name = 'shadow_idx'");
    exec("DROP TABLE shadow");
    try (SqliteLedgerStore s = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
      assertThat(s.query(new EntryQuery("dec_stream3", null, 0, 1000))).extracting(StoredEntry::leafIndex)
          .as("lookups by stream use the index").doesNotContain(297L);
    }
    IntegrityFailure f = failure();
    assertThat(f.kind()).isEqualTo(Kind.STORAGE_DAMAGED);
    assertThat(f.leafIndex()).isEqualTo(297);
    assertThat(f.streamId()).isEqualTo("dec_stream3");
    assertThat(f.message()).contains("entries_by_stream").contains("integrity_check");
  }

  @Test
  void plantedInsertTrigger_isNamedAsAnAlteredSchema() throws Exception {
    exec("CREATE TRIGGER zz BEFORE INSERT ON entries WHEN NEW.stream_seq = 1 BEGIN SELECT RAISE(IGNORE); END");
    IntegrityFailure f = failure();
    assertThat(f.kind()).isEqualTo(Kind.SCHEMA_ALTERED);
    assertThat(f.leafIndex()).isEqualTo(-1);
    assertThat(f.found()).contains("trigger `zz`");
    assertThat(f.message()).contains("trigger `zz` on entries is not part of the ledger's schema")
        .contains("RAISE(IGNORE)");
  }

  @Test
  void protectiveTriggerReplacedUnderItsOwnName_isNamedAsAnAlteredSchema() throws Exception {
    exec("CREATE TRIGGER entries_no_update BEFORE INSERT ON entries BEGIN SELECT RAISE(IGNORE); END");
    IntegrityFailure f = failure();
    assertThat(f.kind()).isEqualTo(Kind.SCHEMA_ALTERED);
    assertThat(f.message()).contains("trigger `entries_no_update` on entries differs from the ledger's schema");
  }

  @Test
  void extraTableOrIndex_isNamedAsAnAlteredSchema() throws Exception {
    exec("CREATE INDEX by_type ON entries (event_type)");
    assertThat(failure().message()).contains("index `by_type` on entries is not part of the ledger's schema");
    exec("DROP INDEX by_type", "CREATE TABLE notes (x)");
    assertThat(failure().kind()).isEqualTo(Kind.SCHEMA_ALTERED);
    exec("DROP TABLE notes", "ANALYZE"); // SQLite's own statistics tables are not a change of the schema
    assertThat(verify().entries()).isEqualTo(300);
  }

  @Test
  void droppedProtectiveTriggers_verify_withAWarningNamingThem() throws Exception {
    VerificationReport r = verify();
    assertThat(r.entries()).isEqualTo(300);
    assertThat(r.warnings()).singleElement().asString()
        .contains("append-only triggers are missing")
        .contains("entries_no_update").contains("checkpoints_no_delete").contains("ledger_meta_no_update");
  }

  @Test
  void untouchedLedger_verifies_withoutWarnings() throws Exception {
    Path fresh = dir.resolve("fresh.db");
    try (Ledger ledger = TestLedgers.open(fresh, key)) {
      TestLedgers.fill(ledger, 2, 10, 3);
    }
    try (SqliteLedgerStore store = SqliteLedgerStore.open(fresh, SqliteLedgerStore.Mode.READ_ONLY)) {
      assertThat(new LedgerVerifier(store, key.verifyingKey(), null, null).verify().warnings()).isEmpty();
    }
  }

  @Test
  void aBadEntry_isNamedBeforeAnAlteredSchema() throws Exception {
    exec("CREATE TRIGGER zz BEFORE INSERT ON entries BEGIN SELECT RAISE(IGNORE); END",
        "UPDATE entries SET event_type = 'approval.added' WHERE leaf_index = 77");
    IntegrityFailure f = failure();
    assertThat(f.kind()).isEqualTo(Kind.INDEX_MISMATCH);
    assertThat(f.leafIndex()).isEqualTo(77);
  }

  // --- helpers -------------------------------------------------------------------------------

  private VerificationReport verify() throws Exception {
    try (SqliteLedgerStore store = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
      return new LedgerVerifier(store, key.verifyingKey(), null, null).verify();
    }
  }

  private long longQuery(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
        var rs = st.executeQuery(sql)) {
      return rs.getLong(1);
    }
  }

  private IntegrityFailure failure() throws Exception {
    try (SqliteLedgerStore store = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
      new LedgerVerifier(store, key.verifyingKey(), null, null).verify();
    } catch (LedgerVerificationException e) {
      return e.failure();
    }
    throw new AssertionError("verification passed on a tampered ledger");
  }

  private void exec(String... sql) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      for (String s : sql) {
        st.execute(s);
      }
    }
  }
}
