package dev.arbiter.ledger.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.EntryHash;
import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.TestLedgers;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.checkpoint.CheckpointSigner;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import dev.arbiter.ledger.verify.IntegrityFailure.Kind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile DBA with write access to the SQLite file: triggers dropped first, then one tampering each.
 * Every one must be detected by verification and named.
 */
class TamperTest {
  @TempDir Path dir;
  Path db;
  SigningKey key;
  Checkpoint trusted;

  /** 10 batches of 20 events over 7 streams: checkpoints at 0, 20, 40, ..., 200. */
  @BeforeEach
  void createLedger() throws Exception {
    db = dir.resolve("ledger.db");
    key = TestLedgers.newKey();
    try (Ledger ledger = TestLedgers.open(db, key)) {
      TestLedgers.fill(ledger, 10, 20, 7);
      trusted = ledger.latestCheckpoint();
    }
    try (Connection c = connect(); Statement st = c.createStatement()) {
      for (String t : new String[] {"entries", "checkpoints", "merkle_nodes", "ledger_meta"}) {
        st.execute("DROP TRIGGER " + t + "_no_update");
        st.execute("DROP TRIGGER " + t + "_no_delete");
      }
    }
  }

  @Test
  void untouchedLedger_verifies_withAndWithoutTrustedCheckpoint() throws Exception {
    VerificationReport r = verify(null);
    assertThat(r.entries()).isEqualTo(200);
    assertThat(r.checkpoints()).isEqualTo(11);
    assertThat(r.root()).isEqualTo(trusted.rootHash());
    assertThat(verify(trusted).trustedCheckpointSize()).isEqualTo(200);
  }

  @Test
  void triggers_refuseUpdateAndDelete_beforeTheyAreDropped() throws Exception {
    Path other = dir.resolve("other.db");
    try (Ledger ledger = TestLedgers.open(other, key)) {
      TestLedgers.fill(ledger, 1, 300, 1); // past 256 leaves, so merkle_nodes has a row
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + other); Statement st = c.createStatement()) {
      assertThatThrownBy(() -> st.execute("UPDATE entries SET event_type = 'x.y' WHERE leaf_index = 1"))
          .hasMessageContaining("append-only");
      assertThatThrownBy(() -> st.execute("DELETE FROM entries WHERE leaf_index = 2")).hasMessageContaining("append-only");
      assertThatThrownBy(() -> st.execute("DELETE FROM checkpoints")).hasMessageContaining("append-only");
      assertThatThrownBy(() -> st.execute("UPDATE checkpoints SET tree_size = 9")).hasMessageContaining("append-only");
      assertThatThrownBy(() -> st.execute("DELETE FROM merkle_nodes")).hasMessageContaining("append-only");
      assertThatThrownBy(() -> st.execute("UPDATE ledger_meta SET value = 'x'")).hasMessageContaining("append-only");
    }
  }

  @Test
  void changedPayloadByte_isNamedAtTheExactEntry() throws Exception {
    byte[] env = envelope(137);
    String s = new String(env, StandardCharsets.UTF_8);
    int at = s.indexOf("event 137");
    env[at] = (byte) 'E';
    update("UPDATE entries SET envelope = ? WHERE leaf_index = 137", env);
    IntegrityFailure f = failure(null);
    assertThat(f.kind()).isEqualTo(Kind.ENTRY_HASH_MISMATCH);
    assertThat(f.leafIndex()).isEqualTo(137);
    assertThat(f.streamId()).isEqualTo("dec_stream" + (137 % 7));
    assertThat(f.streamSeq()).isEqualTo(137 / 7);
    assertThat(f.message()).contains("leaf 137").contains("altered");
  }

  @Test
  void rewrittenEntryWithRecomputedHash_isStillCaught() throws Exception {
    // A careful attacker rewrites the payload and recomputes that entry's hash too.
    byte[] env = new String(envelope(150), StandardCharsets.UTF_8).replace("event 150", "event 999").getBytes(StandardCharsets.UTF_8);
    byte[] prev = entryHash(150 - 7);
    update("UPDATE entries SET envelope = ? WHERE leaf_index = 150", env);
    update("UPDATE entries SET entry_hash = ? WHERE leaf_index = 150", EntryHash.compute(prev, env));
    IntegrityFailure f = failure(null);
    // Either the next entry of that stream no longer chains, or the signed root no longer matches.
    assertThat(f.kind()).isIn(Kind.ENTRY_HASH_MISMATCH, Kind.CHECKPOINT_ROOT_MISMATCH);
    assertThat(f.kind() == Kind.ENTRY_HASH_MISMATCH ? f.leafIndex() : f.checkpointSize()).isEqualTo(157L);
  }

  /**
   * The whole stream's chain recomputed from the rewritten entry on: no stream shows it, only the
   * signed root of the batch it is in. No single entry can be named then; the failure names the batch
   * (the entries since the last checkpoint that verified), so the search is that small.
   */
  @Test
  void rewrittenEntryWithItsStreamRechained_namesTheBatchItIsIn() throws Exception {
    byte[] prev = entryHash(150 - 7);
    for (long leaf = 150; leaf < 200; leaf += 7) { // every later entry of stream 150 % 7 chains to the rewritten one
      byte[] env = envelope(leaf);
      if (leaf == 150) {
        env = new String(env, StandardCharsets.UTF_8).replace("event 150", "event 999").getBytes(StandardCharsets.UTF_8);
        update("UPDATE entries SET envelope = ? WHERE leaf_index = 150", env);
      }
      prev = EntryHash.compute(prev, env);
      update("UPDATE entries SET entry_hash = ? WHERE leaf_index = " + leaf, prev);
    }
    IntegrityFailure f = failure(null);
    assertThat(f.kind()).isEqualTo(Kind.CHECKPOINT_ROOT_MISMATCH);
    assertThat(f.checkpointSize()).isEqualTo(160);
    assertThat(f.suspectsFrom()).isEqualTo(140);
    assertThat(f.message()).contains("leaves 140 to 159").contains("checkpoint at size 140, which verified");
    assertThat(f.toJson().path("suspect_leaves_from").asLong()).isEqualTo(140);
    assertThat(f.toJson().path("suspect_leaves_to").asLong()).isEqualTo(159);
  }

  @Test
  void deletedEntry_isNamed() throws Exception {
    exec("DELETE FROM entries WHERE leaf_index = 42");
    IntegrityFailure f = failure(null);
    assertThat(f.kind()).isEqualTo(Kind.ENTRY_MISSING);
    assertThat(f.leafIndex()).isEqualTo(42);
  }

  @Test
  void deletedEntryWithRenumberedSuccessors_isNamed() throws Exception {
    exec("DELETE FROM entries WHERE leaf_index = 42");
    exec("UPDATE entries SET leaf_index = leaf_index - 1 WHERE leaf_index > 42");
    IntegrityFailure f = failure(null);
    assertThat(f.kind()).isEqualTo(Kind.ENTRY_OUT_OF_PLACE);
    assertThat(f.leafIndex()).isEqualTo(42);
    assertThat(f.message()).contains("holds the envelope of leaf 43");
  }

  @Test
  void swappedEntries_areNamed() throws Exception {
    exec("UPDATE entries SET leaf_index = -1 WHERE leaf_index = 60");
    exec("UPDATE entries SET leaf_index = 60 WHERE leaf_index = 95");
    exec("UPDATE entries SET leaf_index = 95 WHERE leaf_index = -1");
    IntegrityFailure f = failure(null);
    assertThat(f.kind()).isEqualTo(Kind.ENTRY_OUT_OF_PLACE);
    assertThat(f.leafIndex()).isEqualTo(60);
    assertThat(f.message()).contains("holds the envelope of leaf 95");
  }

  @Test
  void deletedTailWithItsCheckpoints_isCaughtByTheTrustedCheckpoint() throws Exception {
    exec("DELETE FROM entries WHERE leaf_index >= 160");
    exec("DELETE FROM checkpoints WHERE tree_size > 160");
    exec("DELETE FROM merkle_nodes");
    // Without a checkpoint kept elsewhere, a cleanly cut tail is indistinguishable from a shorter ledger.
    assertThat(verify(null).entries()).isEqualTo(160);
    IntegrityFailure f = failure(trusted);
    assertThat(f.kind()).isEqualTo(Kind.TRUNCATED);
    assertThat(f.message()).contains("truncated").contains("200").contains("160");
    assertThat(f.leafIndex()).as("the first entry that is gone").isEqualTo(160);
    assertThat(f.toJson().get("leaf_index").asLong()).isEqualTo(160);
  }

  @Test
  void deletedTailLeavingCheckpoints_isNamed() throws Exception {
    exec("DELETE FROM entries WHERE leaf_index >= 190");
    IntegrityFailure f = failure(null);
    assertThat(f.kind()).isEqualTo(Kind.CHECKPOINT_BEYOND_END);
    assertThat(f.checkpointSize()).isEqualTo(200);
    assertThat(f.leafIndex()).as("the first entry that is gone").isEqualTo(190);
  }

  @Test
  void insertedForgedEntryAtTheEnd_isNotCoveredByAnyCheckpoint() throws Exception {
    // The forger computes a correct chain hash for the stream and appends a row.
    byte[] prev = entryHash(197); // leaf 197 is the head of stream dec_stream1 (197 % 7 == 1)
    String stream = "dec_stream" + (197 % 7);
    long seq = 197 / 7 + 1;
    String env = "{\"actor\":{\"id\":\"mallory\",\"role\":\"approver\"},\"at\":\"2026-01-01T00:00:00.000000Z\","
        + "\"decision_id\":\"" + stream + "\",\"event_id\":\"evt_forged\",\"event_type\":\"approval.added\","
        + "\"leaf_index\":200,\"payload\":{},\"policy_version\":null,\"schema_version\":1,\"stream_seq\":" + seq + "}";
    byte[] bytes = env.getBytes(StandardCharsets.UTF_8);
    try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(
        "INSERT INTO entries (leaf_index, stream_id, stream_seq, event_type, entry_hash, envelope) VALUES (200, ?, ?, 'approval.added', ?, ?)")) {
      ps.setString(1, stream);
      ps.setLong(2, seq);
      ps.setBytes(3, EntryHash.compute(prev, bytes));
      ps.setBytes(4, bytes);
      ps.execute();
    }
    IntegrityFailure f = failure(null);
    assertThat(f.kind()).isEqualTo(Kind.ENTRIES_NOT_CHECKPOINTED);
    assertThat(f.leafIndex()).isEqualTo(200);
    assertThat(f.streamId()).as("the forged row's stream is named too").isEqualTo(stream);
    assertThat(f.streamSeq()).isEqualTo(seq);
  }

  /** Black-box run: a 50 MB stream id was printed whole, in the text and in --json. */
  @Test
  void aHugeValueInAColumn_isShownClipped_withItsLength() throws Exception {
    exec("UPDATE entries SET stream_id = printf('%.*c', 1000000, 'x') WHERE leaf_index = 42");
    IntegrityFailure f = failure(null);
    assertThat(f.leafIndex()).isEqualTo(42);
    assertThat(f.toJson().toString().length()).isLessThan(4 * IntegrityFailure.MAX_MESSAGE);
    assertThat(f.toJson().toString()).containsPattern("100001\\d characters in all");
  }

  @Test
  void everyCheckpointDeleted_isNamedAsNoCheckpointAtAll() throws Exception {
    exec("DELETE FROM checkpoints");
    IntegrityFailure f = failure(null);
    assertThat(f.kind()).isEqualTo(Kind.ENTRIES_NOT_CHECKPOINTED);
    assertThat(f.leafIndex()).isZero();
    assertThat(f.message()).contains("no signed checkpoint at all").contains("200 entries");
    exec("DELETE FROM entries");
    exec("DELETE FROM merkle_nodes");
    IntegrityFailure empty = failure(null);
    assertThat(empty.leafIndex()).isEqualTo(-1);
    assertThat(empty.message()).contains("no signed checkpoint at all").doesNotContain("-1");
  }

  @Test
  void insertedEntryWithACheckpointSignedByAnotherKey_isRefused() throws Exception {
    exec("INSERT INTO entries SELECT 200, stream_id, stream_seq + 1000, event_type, entry_hash, envelope FROM entries WHERE leaf_index = 0");
    Checkpoint forged = new CheckpointSigner(TestLedgers.newKey()).sign(trusted.ledgerId(), 201, trusted.rootHash(), trusted.timestamp());
    insertCheckpoint(forged);
    IntegrityFailure f = failure(null);
    assertThat(f.kind()).isIn(Kind.ENTRY_OUT_OF_PLACE, Kind.CHECKPOINT_SIGNATURE);
    assertThat(f.kind() == Kind.ENTRY_OUT_OF_PLACE ? f.leafIndex() : f.checkpointSize()).isEqualTo(200L);
  }

  @Test
  void replacedCheckpointRoot_failsItsSignature() throws Exception {
    update("UPDATE checkpoints SET root_hash = ? WHERE tree_size = 100", new byte[32]);
    IntegrityFailure f = failure(null);
    assertThat(f.kind()).isEqualTo(Kind.CHECKPOINT_SIGNATURE);
    assertThat(f.checkpointSize()).isEqualTo(100);
    assertThat(f.expected()).contains("signature by the ledger key");
    assertThat(f.found()).contains("does not verify");
  }

  @Test
  void ofTwoBadCheckpointSignatures_theEarlierIsNamed_thoughSignaturesAreCheckedInParallel() throws Exception {
    // 700 checkpoints: past the 256 queued signatures at which more signature threads start, and
    // past those, the scan thread checks some itself: verdicts come from several threads, and each
    // must be matched to its own checkpoint and read in checkpoint order.
    db = dir.resolve("many.db");
    try (Ledger ledger = TestLedgers.open(db, key)) {
      TestLedgers.fill(ledger, 700, 1, 3);
    }
    try (Connection c = connect(); Statement st = c.createStatement()) {
      st.execute("DROP TRIGGER checkpoints_no_update");
    }
    update("UPDATE checkpoints SET signature = ? WHERE tree_size = 650", new byte[64]);
    IntegrityFailure only = failure(null);
    assertThat(only.kind()).isEqualTo(Kind.CHECKPOINT_SIGNATURE);
    assertThat(only.checkpointSize()).as("one bad signature among 700").isEqualTo(650);
    update("UPDATE checkpoints SET signature = ? WHERE tree_size = 300", new byte[64]);
    IntegrityFailure f = failure(null);
    assertThat(f.kind()).isEqualTo(Kind.CHECKPOINT_SIGNATURE);
    assertThat(f.checkpointSize()).isEqualTo(300);
  }

  @Test
  void aBadCheckpoint_isNamed_thoughALaterCheckpointRowCannotBeRead() throws Exception {
    // Checkpoint rows are read one ahead: the scan meets the unreadable row at 180 right after it
    // handed the checkpoint at 160 over, before that one's signature is checked.
    update("UPDATE checkpoints SET signature = ? WHERE tree_size = 160", new byte[64]);
    update("UPDATE checkpoints SET root_hash = ? WHERE tree_size = 180", new byte[31]);
    IntegrityFailure f = failure(null);
    assertThat(f.kind()).isEqualTo(Kind.CHECKPOINT_SIGNATURE);
    assertThat(f.checkpointSize()).isEqualTo(160);
  }

  @Test
  void replacedCheckpointFromAnotherLedgerOfTheSameKey_isNamedForeign() throws Exception {
    Path other = dir.resolve("other.db");
    Checkpoint foreign;
    try (Ledger ledger = TestLedgers.open(other, key)) {
      TestLedgers.fill(ledger, 1, 100, 2);
      foreign = ledger.latestCheckpoint();
    }
    exec("DELETE FROM checkpoints WHERE tree_size = 100");
    insertCheckpoint(foreign);
    IntegrityFailure f = failure(null);
    assertThat(f.kind()).isEqualTo(Kind.CHECKPOINT_FOREIGN);
    assertThat(f.checkpointSize()).isEqualTo(100);
  }

  @Test
  void reSignedCheckpointOverRewrittenEntries_isCaughtByTheTrustedCheckpoint() throws Exception {
    // Even holding *a* key, the attacker cannot produce the trusted key's signature.
    exec("DELETE FROM checkpoints WHERE tree_size = 200");
    Checkpoint resigned = new CheckpointSigner(TestLedgers.newKey()).sign(trusted.ledgerId(), 200, trusted.rootHash(), trusted.timestamp());
    insertCheckpoint(resigned);
    assertThat(failure(null).kind()).isEqualTo(Kind.CHECKPOINT_SIGNATURE);
  }

  @Test
  void trustedCheckpointFromAnotherLedger_isRefused() throws Exception {
    Path other = dir.resolve("other.db");
    Checkpoint foreign;
    try (Ledger ledger = TestLedgers.open(other, key)) {
      TestLedgers.fill(ledger, 1, 5, 2);
      foreign = ledger.latestCheckpoint();
    }
    IntegrityFailure f = failure(foreign);
    assertThat(f.kind()).isEqualTo(Kind.CHECKPOINT_FOREIGN);
    assertThat(f.message()).contains("trusted checkpoint is from ledger " + foreign.ledgerId());
  }

  @Test
  void wrongKey_isNamed() throws Exception {
    try (SqliteLedgerStore store = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
      assertThatThrownBy(() -> new LedgerVerifier(store, TestLedgers.newKey().verifyingKey(), null, null).verify())
          .isInstanceOfSatisfying(LedgerVerificationException.class,
              e -> assertThat(e.failure().kind()).isEqualTo(Kind.WRONG_KEY));
    }
  }

  @Test
  void indexColumnsDisagreeingWithTheEnvelope_areNamed() throws Exception {
    exec("UPDATE entries SET event_type = 'approval.added' WHERE leaf_index = 77");
    IntegrityFailure f = failure(null);
    assertThat(f.kind()).isEqualTo(Kind.INDEX_MISMATCH);
    assertThat(f.leafIndex()).isEqualTo(77);
  }

  @Test
  void rowInsertedWithANegativeLeafIndex_evenWithTriggersInPlace_isNamed() throws Exception {
    exec("INSERT INTO entries VALUES (-1, 'dec_stream0', 99, 'decision.expired', zeroblob(32), CAST('{}' AS BLOB))");
    IntegrityFailure f = failure(null);
    assertThat(f.kind()).isEqualTo(Kind.ENTRY_OUT_OF_PLACE);
    assertThat(f.message()).contains("leaf_index -1").contains("inserted");
  }

  @Test
  void malformedCheckpointRow_isReportedAsCorruptData() throws Exception {
    exec("INSERT INTO checkpoints VALUES (500, x'00', 't', 'k', x'00', 'l')");
    try (SqliteLedgerStore store = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
      assertThatThrownBy(() -> new LedgerVerifier(store, key.verifyingKey(), null, null).verify())
          .isInstanceOf(dev.arbiter.ledger.store.CorruptLedgerException.class)
          .hasMessageContaining("malformed checkpoint row at tree size 500");
    }
  }

  @Test
  void forgedCheckpointBeyondTheEnd_isReportedAsForged() throws Exception {
    insertCheckpoint(new CheckpointSigner(TestLedgers.newKey()).sign(trusted.ledgerId(), 999, trusted.rootHash(), trusted.timestamp()));
    IntegrityFailure f = failure(null);
    assertThat(f.kind()).isEqualTo(Kind.CHECKPOINT_SIGNATURE);
    assertThat(f.message()).contains("forged");
  }

  @Test
  void notALedger_isRefusedOnOpen() throws Exception {
    Path junk = dir.resolve("junk.db");
    Files.writeString(junk, "junk\n");
    assertThatThrownBy(() -> SqliteLedgerStore.open(junk, SqliteLedgerStore.Mode.READ_ONLY))
        .isInstanceOf(dev.arbiter.ledger.store.NotALedgerException.class)
        .hasMessageContaining("not an Arbiter ledger");
  }

  // --- helpers -------------------------------------------------------------------------------

  private VerificationReport verify(Checkpoint trustedCp) throws Exception {
    try (SqliteLedgerStore store = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
      return new LedgerVerifier(store, key.verifyingKey(), trustedCp, null).verify();
    }
  }

  private IntegrityFailure failure(Checkpoint trustedCp) throws Exception {
    try (SqliteLedgerStore store = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
      new LedgerVerifier(store, key.verifyingKey(), trustedCp, null).verify();
    } catch (LedgerVerificationException e) {
      return e.failure();
    }
    throw new AssertionError("verification passed on a tampered ledger");
  }

  private Connection connect() throws Exception {
    return DriverManager.getConnection("jdbc:sqlite:" + db);
  }

  private void exec(String sql) throws Exception {
    try (Connection c = connect(); Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  private void update(String sql, byte[] value) throws Exception {
    try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setBytes(1, value);
      ps.execute();
    }
  }

  private byte[] envelope(long leaf) throws Exception {
    return column("envelope", leaf);
  }

  private byte[] entryHash(long leaf) throws Exception {
    return column("entry_hash", leaf);
  }

  private byte[] column(String col, long leaf) throws Exception {
    try (Connection c = connect(); PreparedStatement ps = c.prepareStatement("SELECT " + col + " FROM entries WHERE leaf_index = ?")) {
      ps.setLong(1, leaf);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBytes(1);
      }
    }
  }

  private void insertCheckpoint(Checkpoint cp) throws Exception {
    try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(
        "INSERT INTO checkpoints (tree_size, root_hash, timestamp, key_id, signature, ledger_id) VALUES (?,?,?,?,?,?)")) {
      ps.setLong(1, cp.treeSize());
      ps.setBytes(2, cp.rootHash().bytes());
      ps.setString(3, cp.timestamp());
      ps.setString(4, cp.keyId().value());
      ps.setBytes(5, cp.signature());
      ps.setString(6, cp.ledgerId());
      ps.execute();
    }
  }

  @SuppressWarnings("unused")
  private static HashValue h(byte[] b) {
    return HashValue.of(b);
  }
}
