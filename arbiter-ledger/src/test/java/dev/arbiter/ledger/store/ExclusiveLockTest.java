package dev.arbiter.ledger.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full build failed once with a fresh test ledger "in use by another writer": a store an earlier
 * test left open became unreachable, the JDK's cleaner closed its lock file's descriptor, the file
 * system gave that inode to the new test's lock file, and the process-wide set of held locks still
 * named it. A lock is now forgotten only once its descriptor is closed, by {@code close()} or by the
 * lock's own cleaner; and the file's OS lock is really held by whoever the set says holds it.
 */
class ExclusiveLockTest {
  @TempDir Path dir;

  @Test
  void aHoldingLeftOpen_butUnreachable_isReleased_andTheNextHolderReallyHoldsTheFile() throws Exception {
    Path file = dir.resolve("l.lock");
    leakALock(file);
    Optional<ExclusiveLock> again = Optional.empty();
    for (int i = 0; i < 100 && again.isEmpty(); i++) {
      System.gc(); // the lock's cleaner releases and closes the leaked holding once it is unreachable
      Thread.sleep(20);
      again = ExclusiveLock.tryAcquire(file);
    }
    assertThat(again).as("the leaked holding was released").isPresent();
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(20);
    }
    assertThat(osLocked(file)).as("and the new holder's OS lock was not lost to a late close").isTrue();
    assertThat(ExclusiveLock.tryAcquire(file)).isEmpty();
    again.get().close();
    assertThat(osLocked(file)).isFalse();
  }

  @Test
  void aCloseRacingAnAcquire_neverLeavesTheWinnerWithoutItsOsLock() throws Exception {
    Path file = dir.resolve("r.lock");
    for (int round = 0; round < 200; round++) {
      ExclusiveLock first = ExclusiveLock.tryAcquire(file).orElseThrow();
      Thread closer = Thread.ofPlatform().start(first::close);
      Optional<ExclusiveLock> second = Optional.empty();
      while (second.isEmpty() && closer.isAlive()) {
        second = ExclusiveLock.tryAcquire(file);
      }
      closer.join();
      if (second.isEmpty()) {
        second = ExclusiveLock.tryAcquire(file);
      }
      assertThat(second).as("round %d", round).isPresent();
      assertThat(osLocked(file)).as("round %d: the winner holds the file", round).isTrue();
      second.get().close();
    }
  }

  @Test
  void anOpenHolding_countsEvenWhenItsFileWasRemovedAndReachedUnderAnotherName() throws Exception {
    Path file = dir.resolve("a.lock");
    ExclusiveLock held = ExclusiveLock.tryAcquire(file).orElseThrow();
    Path other = Files.createLink(dir.resolve("b.lock"), file); // the same inode
    Files.delete(file);
    assertThat(ExclusiveLock.tryAcquire(other)).as("the inode is still held").isEmpty();
    assertThat(osLocked(other)).isTrue();
    held.close();
    ExclusiveLock.tryAcquire(other).orElseThrow().close();
  }

  private static void leakALock(Path file) throws Exception {
    assertThat(ExclusiveLock.tryAcquire(file)).isPresent(); // never closed, and dropped at once
  }

  /** Whether this process holds a POSIX write lock on {@code file}'s inode, as the kernel says. */
  private static boolean osLocked(Path file) throws Exception {
    Path locks = Path.of("/proc/locks");
    assumeTrue(Files.isReadable(locks), "/proc/locks is readable");
    long inode = (Long) Files.getAttribute(file, "unix:ino");
    String pid = Long.toString(ProcessHandle.current().pid());
    return Files.readAllLines(locks).stream().map(l -> l.trim().split("\\s+"))
        .anyMatch(f -> f.length > 5 && f[3].equals("WRITE") && f[4].equals(pid) && f[5].endsWith(":" + inode));
  }
}
