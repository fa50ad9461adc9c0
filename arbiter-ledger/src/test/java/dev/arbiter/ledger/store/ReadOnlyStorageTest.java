package dev.arbiter.ledger.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.TestLedgers;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import dev.arbiter.ledger.verify.LedgerVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ledger on storage this process may read but not write: a read-only directory, where SQLite
 * cannot create the {@code -shm} file it reads a WAL database with. Made with {@code chattr +i}
 * (an immutable directory refuses new files even to root, which the tests may run as); skipped
 * where that is not available.
 */
class ReadOnlyStorageTest {
  @TempDir Path dir;
  Path ledgerDir;
  Path db;
  SigningKey key;

  @BeforeEach
  void createLedger() throws Exception {
    ledgerDir = Files.createDirectory(dir.resolve("ro"));
    db = ledgerDir.resolve("ledger.db");
    key = TestLedgers.newKey();
    try (Ledger ledger = TestLedgers.open(db, key)) {
      TestLedgers.fill(ledger, 3, 10, 2);
    }
    assertThat(Files.exists(Path.of(db + "-wal"))).as("closed cleanly: no WAL left").isFalse();
  }

  @Test
  void aReadOnlyDirectoryWithoutAWal_isReadAsImmutable_andVerifies() throws Exception {
    try (Immutable ignored = Immutable.of(ledgerDir)) {
      try (SqliteLedgerStore store = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
        assertThat(new LedgerVerifier(store, key.verifyingKey(), null, null).verify().entries()).isEqualTo(30);
      }
    }
  }

  @Test
  void aReadOnlyDirectoryWithAWal_isRefusedAsUnreadable_notAsNotADatabase() throws Exception {
    Files.createFile(Path.of(db + "-wal")); // its commits could not be read without the -shm file
    try (Immutable ignored = Immutable.of(ledgerDir)) {
      assertThatThrownBy(() -> SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY).close())
          .isInstanceOf(UnreadableLedgerException.class)
          .hasMessageStartingWith("cannot read " + db + ": permission denied");
    }
  }

  /** {@code chattr +i} on a directory for the duration of a test. */
  record Immutable(Path dir) implements AutoCloseable {
    static Immutable of(Path dir) throws Exception {
      boolean set = chattr("+i", dir);
      if (set) {
        try {
          Files.createFile(dir.resolve("probe"));
          chattr("-i", dir);
          Files.delete(dir.resolve("probe"));
          set = false;
        } catch (java.io.IOException expected) {
          // immutable: new files are refused
        }
      }
      assumeTrue(set, "chattr +i is not available here");
      return new Immutable(dir);
    }

    @Override
    public void close() throws Exception {
      chattr("-i", dir);
    }

    private static boolean chattr(String flag, Path dir) throws Exception {
      try {
        Process p = new ProcessBuilder("chattr", flag, dir.toString()).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
      } catch (java.io.IOException e) {
        return false;
      }
    }
  }
}
