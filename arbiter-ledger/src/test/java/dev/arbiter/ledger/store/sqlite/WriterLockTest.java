package dev.arbiter.ledger.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** One writer per ledger: a second writer, in another process or this one, is refused; readers are not. */
class WriterLockTest {
  @TempDir Path dir;

  @Test
  void aSecondWriterInThisProcess_isRefused_untilTheFirstCloses() throws Exception {
    Path db = dir.resolve("l.db");
    try (SqliteLedgerStore first = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.CREATE_IF_MISSING)) {
      assertThatThrownBy(() -> SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.CREATE_IF_MISSING))
          .isInstanceOf(WriterLock.LedgerInUseException.class).hasMessageContaining("in use by another writer");
      try (SqliteLedgerStore reader = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
        assertThat(reader.latestCheckpoint()).isNotNull();
      }
    }
    SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.CREATE_IF_MISSING).close();
  }

  /**
   * A refused second open in this process must not loosen the first one's hold: with POSIX locks,
   * opening and closing another descriptor of the lock file would have released it.
   */
  @Test
  @Timeout(60)
  void aRefusedSecondOpenHere_leavesOtherProcessesLockedOut() throws Exception {
    Path db = dir.resolve("l.db");
    try (SqliteLedgerStore first = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.CREATE_IF_MISSING)) {
      assertThatThrownBy(() -> SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.CREATE_IF_MISSING))
          .isInstanceOf(WriterLock.LedgerInUseException.class);
      assertThat(tryInAnotherProcess(db)).isEqualTo("refused");
    }
    assertThat(tryInAnotherProcess(db)).isEqualTo("opened");
  }

  @Test
  void aLockFilePlantedAsASymlink_isNotFollowed() throws Exception {
    Path db = dir.resolve("l.db");
    Path target = dir.resolve("elsewhere");
    java.nio.file.Files.createSymbolicLink(dir.resolve("l.db.lock"), target);
    assertThatThrownBy(() -> SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.CREATE_IF_MISSING))
        .hasMessageContaining("symlink");
    assertThat(target).doesNotExist();
  }

  /** Two paths to one lock file (a hard link here; a bind mount alike) are one lock: the second never opens it. */
  @Test
  @Timeout(60)
  void aSecondPathToTheSameLockFile_isTheSameLock() throws Exception {
    Path db = dir.resolve("l.db");
    Path other = dir.resolve("other");
    java.nio.file.Files.createDirectories(other);
    try (SqliteLedgerStore first = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.CREATE_IF_MISSING)) {
      java.nio.file.Files.createLink(other.resolve("x.lock"), dir.resolve("l.db.lock"));
      assertThat(dev.arbiter.ledger.store.ExclusiveLock.tryAcquire(other.resolve("x.lock"))).isEmpty();
      assertThat(tryInAnotherProcess(db)).as("the first holder still holds it").isEqualTo("refused");
    }
  }

  private static String tryInAnotherProcess(Path db) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), HoldLedger.class.getName(),
        "try", db.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String line = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)).readLine();
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return line;
  }

  @Test
  @Timeout(60)
  void aWriterInAnotherProcess_keepsThisOneOut_untilItExits() throws Exception {
    Path db = dir.resolve("l.db");
    SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.CREATE_IF_MISSING).close();
    String java = ProcessHandle.current().info().command().orElse("java");
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), HoldLedger.class.getName(),
        "hold", db.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("held");
      assertThatThrownBy(() -> SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.CREATE_IF_MISSING))
          .isInstanceOf(WriterLock.LedgerInUseException.class);
    } finally {
      child.toHandle().destroyForcibly(); // SIGKILL: the OS releases its lock, no close() needed
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.CREATE_IF_MISSING).close();
  }
}
