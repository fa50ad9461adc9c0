package dev.arbiter.ledger.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.TestLedgers;
import dev.arbiter.ledger.checkpoint.CheckpointSigner;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteLedgerStoreTest extends LedgerStoreContract {
  @TempDir Path dir;

  @Override
  protected LedgerStore newStore() throws Exception {
    return SqliteLedgerStore.open(dir.resolve("contract.db"), SqliteLedgerStore.Mode.CREATE_IF_MISSING);
  }

  /** 4 KiB pages: larger ones write ~2.3× the bytes per commit and are throttled on a large file (BENCHMARKS.md). */
  @Test
  void aNewLedgerFile_has4KiBPages_andReopensWithThem() throws Exception {
    Path file = dir.resolve("pages.db");
    SqliteLedgerStore.open(file, SqliteLedgerStore.Mode.CREATE_IF_MISSING).close();
    SqliteLedgerStore.open(file, SqliteLedgerStore.Mode.CREATE_IF_MISSING).close();

    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        ResultSet rs = c.createStatement().executeQuery("PRAGMA page_size")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).isEqualTo(4 * 1024);
    }
  }

  /**
   * The store copies the WAL into the database file beside the commits, well before the writer's own
   * automatic checkpoint (4,000 pages, ~16 MB) would: 3 MB of commits reach the database file, which
   * in WAL mode only a checkpoint writes.
   */
  @Test
  void commitsReachTheDatabaseFileBeforeTheWalFillsUp() throws Exception {
    Path file = dir.resolve("wal.db");
    SigningKey key = TestLedgers.newKey();
    CheckpointSigner signer = new CheckpointSigner(key);
    byte[] envelope = new byte[16 * 1024];
    java.util.Arrays.fill(envelope, (byte) 'x');
    int rows = 192;
    try (SqliteLedgerStore store = SqliteLedgerStore.open(file, SqliteLedgerStore.Mode.CREATE_IF_MISSING)) {
      store.initialize(new LedgerIdentity("ldg_test", key.keyId()),
          signer.sign("ldg_test", 0, HashValue.of(new byte[32]), "2026-11-26T00:00:00.000000Z"));
      long before = Files.size(file);
      for (long leaf = 0; leaf < rows; leaf += 8) {
        List<StoredEntry> batch = new ArrayList<>();
        for (long l = leaf; l < leaf + 8; l++) {
          byte[] hash = new byte[32];
          hash[0] = (byte) l;
          batch.add(new StoredEntry(l, "dec_" + l, 0, "decision.created", hash, envelope));
        }
        store.commit(List.of(new CommitBatch(batch, List.of(),
            signer.sign("ldg_test", leaf + 8, HashValue.of(new byte[32]), "2026-11-26T00:00:00.000000Z"))));
      }
      long expected = before + (2L << 20); // the checkpointer runs once 2 MB were committed
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
      while (Files.size(file) < expected && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(Files.size(file)).as("database file after %d bytes were committed", rows * envelope.length)
          .isGreaterThanOrEqualTo(expected);
      assertThat(store.size()).isEqualTo(rows);
    }
  }

  /**
   * Commits are written with {@code synchronous=NORMAL} and made durable by {@link
   * SqliteLedgerStore#sync}, which flushes the WAL file SQLite writes to. If that path names another
   * file (the WAL was deleted or replaced under the open ledger), the sync refuses instead of
   * flushing the wrong file and letting the writer acknowledge what is not on disk. After a failed
   * sync the kernel's cache may hold WAL frames the disk lost, and a reopen in the same boot would
   * build on them: the store leaves a marker and refuses to open for appending until the boot id
   * changed (a reboot) or the marker is removed. Read-only opens still work.
   */
  @Test
  void aSyncThatFails_leavesAMarker_andTheLedgerRefusesToAppendInTheSameBoot() throws Exception {
    Path file = dir.resolve("marked.db");
    SigningKey key = TestLedgers.newKey();
    CheckpointSigner signer = new CheckpointSigner(key);
    try (SqliteLedgerStore store = SqliteLedgerStore.open(file, SqliteLedgerStore.Mode.CREATE_IF_MISSING)) {
      store.initialize(new LedgerIdentity("ldg_test", key.keyId()),
          signer.sign("ldg_test", 0, HashValue.of(new byte[32]), "2026-11-26T00:00:00.000000Z"));
      store.commit(List.of(new CommitBatch(List.of(new StoredEntry(0, "dec_a", 0, "decision.created", new byte[32],
          "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8))), List.of(),
          signer.sign("ldg_test", 1, HashValue.of(new byte[32]), "2026-11-26T00:00:00.000000Z"))));
      store.sync();

      Files.move(Path.of(file + "-wal"), dir.resolve("elsewhere-wal"));
      Files.write(Path.of(file + "-wal"), new byte[0]);

      org.assertj.core.api.Assertions.assertThatThrownBy(store::sync)
          .isInstanceOf(LedgerStoreException.class)
          .hasMessageContaining("was replaced");
    }
    Path marker = Path.of(file + ".sync-failed");
    String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
    assertThat(Files.readString(marker)).contains("boot_id=" + boot).contains("was replaced");

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> SqliteLedgerStore.open(file, SqliteLedgerStore.Mode.CREATE_IF_MISSING))
        .isInstanceOf(LedgerStoreException.class)
        .hasMessageContaining("in this boot")
        .hasMessageContaining("delete " + marker);
    try (SqliteLedgerStore readOnly = SqliteLedgerStore.open(file, SqliteLedgerStore.Mode.READ_ONLY)) {
      assertThat(readOnly.latestCheckpoint()).isPresent();
    }

    Files.writeString(marker, "boot_id=00000000-0000-0000-0000-000000000000\nat=2026-11-25T00:00:00Z\nerror=x\n");
    SqliteLedgerStore.open(file, SqliteLedgerStore.Mode.CREATE_IF_MISSING).close();
    assertThat(marker).as("a marker from an earlier boot is removed").doesNotExist();
  }

  /**
   * {@code sync} really flushes the WAL file: JFR records every {@code FileChannel.force} with its
   * path. (A crash test cannot show this: a killed process leaves its writes in the page cache.)
   */
  @Test
  void sync_forcesTheWalFileToDisk() throws Exception {
    Path file = dir.resolve("force.db");
    try (SqliteLedgerStore store = SqliteLedgerStore.open(file, SqliteLedgerStore.Mode.CREATE_IF_MISSING);
        jdk.jfr.Recording recording = new jdk.jfr.Recording()) {
      recording.enable("jdk.FileForce").withThreshold(java.time.Duration.ZERO);
      recording.start();
      store.sync();
      recording.stop();
      Path jfr = dir.resolve("force.jfr");
      recording.dump(jfr);

      List<String> forced = jdk.jfr.consumer.RecordingFile.readAllEvents(jfr).stream()
          .filter(e -> e.getEventType().getName().equals("jdk.FileForce"))
          .map(e -> e.getString("path")).toList();
      assertThat(forced).contains(file + "-wal");
    }
  }

  @Test
  void sync_fromAnInterruptedThread_works_andLeavesTheStoreSyncing() throws Exception {
    Path file = dir.resolve("interrupted.db");
    try (SqliteLedgerStore store = SqliteLedgerStore.open(file, SqliteLedgerStore.Mode.CREATE_IF_MISSING)) {
      Thread.currentThread().interrupt(); // a stale interrupt used to close the WAL's channel for good
      try {
        store.sync();
        assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept for the caller").isTrue();
      } finally {
        Thread.interrupted();
      }
      store.sync(); // still open
    }
    assertThat(SqliteLedgerStore.syncFailureNote(file)).as("no sync-failure marker").isEmpty();
  }

  @Test
  void sync_onAReadOnlyStore_isRefused() throws Exception {
    Path file = dir.resolve("ro.db");
    SqliteLedgerStore.open(file, SqliteLedgerStore.Mode.CREATE_IF_MISSING).close();
    try (SqliteLedgerStore store = SqliteLedgerStore.open(file, SqliteLedgerStore.Mode.READ_ONLY)) {
      org.assertj.core.api.Assertions.assertThatThrownBy(store::sync).isInstanceOf(LedgerStoreException.class)
          .hasMessageContaining("read-only");
    }
  }
}
