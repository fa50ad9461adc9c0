package dev.arbiter.ledger.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An exclusive lock on a lock file, against other processes and against this one, held until
 * {@link #close}. Java's file locks are POSIX locks here: closing any descriptor of the file in the
 * process releases them, so a second attempt in this process must never open the file at all
 * ({@link #HELD} answers it), or its close would silently let another process in. The lock file is
 * never followed through a symlink; the OS releases the lock when the process dies, however it dies.
 */
public final class ExclusiveLock implements AutoCloseable {
  /** Lock files this process holds, by their real location. */
  private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

  private final Path key;
  private final FileChannel channel;
  private final FileLock lock;
  private final AtomicBoolean closed = new AtomicBoolean();

  private ExclusiveLock(Path key, FileChannel channel, FileLock lock) {
    this.key = key;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock on {@code lockFile} (created if missing), or returns empty when this process or
   * another holds it.
   *
   * @throws IOException when the file cannot be created or opened, its directory is missing, or it is a symlink
   */
  public static Optional<ExclusiveLock> tryAcquire(Path lockFile) throws IOException {
    Path abs = lockFile.toAbsolutePath();
    Path key = abs.getParent().toRealPath().resolve(abs.getFileName());
    if (!HELD.add(key)) {
      return Optional.empty();
    }
    FileChannel ch = null;
    try {
      ch = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
      FileLock lock = ch.tryLock();
      if (lock == null) {
        ch.close();
        HELD.remove(key);
        return Optional.empty();
      }
      return Optional.of(new ExclusiveLock(key, ch, lock));
    } catch (IOException | RuntimeException e) {
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException ignored) {
          // the failure above is the one to report
        }
      }
      HELD.remove(key);
      throw e instanceof IOException io ? io : new IOException(e);
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return; // closed before: the key may be another holder's by now
    }
    try {
      lock.release();
    } catch (IOException ignored) {
      // the channel's close below releases it too
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing was written through it
    }
    HELD.remove(key);
  }
}
