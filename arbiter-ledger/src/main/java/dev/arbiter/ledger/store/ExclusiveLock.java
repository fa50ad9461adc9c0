package dev.arbiter.ledger.store;

import java.io.IOException;
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
 */
public final class ExclusiveLock implements AutoCloseable {
  /** Lock files this process holds, by file key (device and inode). */
  private static final ConcurrentHashMap<Object, Holder> HELD = new ConcurrentHashMap<>();

  /**
   * One holding, compared by identity. Its channel is referenced weakly: a holder nobody closed and
   * nobody can reach any more (a store a test left open) has its descriptor closed by the JDK's cleaner,
   * which frees the lock and lets the file system give the inode to a new file; that new file must not
   * then be refused as "held" (a flaky full build did just that).
   */
  private static final class Holder {
    private volatile java.lang.ref.WeakReference<FileChannel> channel;

    void opened(FileChannel ch) {
      channel = new java.lang.ref.WeakReference<>(ch);
    }

    /** Whether this holding still holds: its channel reachable and open (or still being opened). */
    boolean live() {
      java.lang.ref.WeakReference<FileChannel> ref = channel;
      if (ref == null) {
        return true;
      }
      FileChannel ch = ref.get();
      return ch != null && ch.isOpen();
    }
  }

  private final Object key;
  private final Holder holder;
  private final FileChannel channel;
  private final FileLock lock;
  private final AtomicBoolean closed = new AtomicBoolean();

  private ExclusiveLock(Object key, Holder holder, FileChannel channel, FileLock lock) {
    this.key = key;
    this.holder = holder;
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
    Holder mine = new Holder();
    Holder prior = HELD.putIfAbsent(key, mine);
    if (prior != null && (prior.live() || !HELD.replace(key, prior, mine))) {
      return Optional.empty();
    }
    FileChannel ch = null;
    try {
      ch = FileChannel.open(file, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
      mine.opened(ch);
      FileLock lock = ch.tryLock();
      if (lock == null) {
        ch.close();
        HELD.remove(key, mine);
        return Optional.empty();
      }
      return Optional.of(new ExclusiveLock(key, mine, ch, lock));
    } catch (IOException | RuntimeException e) {
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException ignored) {
          // the failure above is the one to report
        }
      }
      HELD.remove(key, mine);
      throw e instanceof IOException io ? io : new IOException(e);
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return; // closed before
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
    HELD.remove(key, holder);
  }
}
