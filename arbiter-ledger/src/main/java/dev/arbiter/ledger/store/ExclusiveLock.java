package dev.arbiter.ledger.store;

import java.io.IOException;
import java.lang.ref.Cleaner;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An exclusive lock on a lock file, against other processes and against this one, held until
 * {@link #close}. Java's file locks are POSIX locks here: closing any descriptor of the file in the
 * process releases them, so a second attempt in this process must never open the file at all
 * ({@link #HELD} answers it), or its close would silently let another process in. The lock file is
 * never followed through a symlink; the OS releases the lock when the process dies, however it dies.
 *
 * <p>A lock is forgotten by {@link #HELD} only after its descriptor is closed, whether by
 * {@link #close} or by this class's cleaner once a holder nobody closed became unreachable (a store a
 * test left open). Before, the JDK's own cleaner closed such a descriptor and the inode, given to a
 * new file, stayed marked as held (a flaky full build); and forgetting a lock before its descriptor
 * was closed would let a new holder lock the file and then lose that lock to the late close (review).
 */
public final class ExclusiveLock implements AutoCloseable {
  /** Lock files this process holds, by file key (device and inode), each with its holding's token. */
  private static final ConcurrentHashMap<Object, Object> HELD = new ConcurrentHashMap<>();
  private static final Cleaner CLEANER = Cleaner.create();

  private final AtomicBoolean closed = new AtomicBoolean();
  private final Cleaner.Cleanable release;

  /** Releases, closes, then forgets: holds the channel itself, so no other cleaner closes it first. */
  private record Release(Object key, Object token, FileChannel channel, FileLock lock) implements Runnable {
    @Override
    public void run() {
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
      HELD.remove(key, token);
    }
  }

  private ExclusiveLock(Release release) {
    this.release = CLEANER.register(this, release);
  }

  /**
   * Takes the lock on {@code lockFile} (created if missing), or returns empty when this process or
   * another holds it.
   *
   * @throws IOException when the file cannot be created or opened, its directory is missing, or it is a symlink
   */
  public static Optional<ExclusiveLock> tryAcquire(Path lockFile) throws IOException {
    Path file = lockFile.toAbsolutePath();
    try {
      Files.createFile(file); // O_EXCL: opens nothing that could already be locked, follows no link
    } catch (FileAlreadyExistsException exists) {
      // held or left behind by an earlier run: the lock, not the file, says whether it is in use
    }
    BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!attrs.isRegularFile()) {
      throw new IOException(file + " is not a regular file (a symlink is refused)");
    }
    // The file itself (device and inode), so that two paths to one file are one lock.
    Object key = attrs.fileKey() != null ? attrs.fileKey() : file.getParent().toRealPath().resolve(file.getFileName());
    Object token = new Object();
    if (HELD.putIfAbsent(key, token) != null) {
      return Optional.empty();
    }
    FileChannel ch = null;
    try {
      ch = FileChannel.open(file, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
      FileLock lock = ch.tryLock();
      if (lock == null) {
        ch.close();
        HELD.remove(key, token);
        return Optional.empty();
      }
      return Optional.of(new ExclusiveLock(new Release(key, token, ch, lock)));
    } catch (IOException | RuntimeException e) {
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException ignored) {
          // the failure above is the one to report
        }
      }
      HELD.remove(key, token);
      throw e instanceof IOException io ? io : new IOException(e);
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      release.clean();
    }
  }
}
