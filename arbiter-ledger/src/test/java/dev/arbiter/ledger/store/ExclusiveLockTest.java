package dev.arbiter.ledger.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full build failed once with a fresh test ledger "in use by another writer": a store an earlier
 * test left open became unreachable, the JDK's cleaner closed its lock file's descriptor, the file
 * system gave that inode to the new test's lock file, and the process-wide set of held locks still
 * named it. A holding whose channel is gone or closed no longer counts; one that is open always does.
 */
class ExclusiveLockTest {
  @TempDir Path dir;

  @Test
  void aHoldingLeftOpen_butUnreachable_doesNotBlockTheFileLater() throws Exception {
    Path file = dir.resolve("l.lock");
    leakALock(file);
    java.util.Optional<ExclusiveLock> again = java.util.Optional.empty();
    for (int i = 0; i < 50 && again.isEmpty(); i++) {
      System.gc(); // the cleaner closes the leaked descriptor once the holder is unreachable
      Thread.sleep(20);
      again = ExclusiveLock.tryAcquire(file);
    }
    assertThat(again).as("the leaked holding no longer counts").isPresent();
    assertThat(ExclusiveLock.tryAcquire(file)).as("but the new one does").isEmpty();
    again.get().close();
  }

  @Test
  void anOpenHolding_countsEvenWhenItsFileWasRemovedAndReachedUnderAnotherName() throws Exception {
    Path file = dir.resolve("a.lock");
    ExclusiveLock held = ExclusiveLock.tryAcquire(file).orElseThrow();
    Path other = Files.createLink(dir.resolve("b.lock"), file); // the same inode
    Files.delete(file);
    assertThat(ExclusiveLock.tryAcquire(other)).as("the inode is still held, by an open channel").isEmpty();
    held.close();
    ExclusiveLock.tryAcquire(other).orElseThrow().close();
  }

  private static void leakALock(Path file) throws Exception {
    assertThat(ExclusiveLock.tryAcquire(file)).isPresent(); // never closed, and dropped at once
  }
}
