package dev.arbiter.ledger.store.sqlite;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A SQLite database's write-ahead log, opened for flushing only. A connection that commits with
 * {@code synchronous=NORMAL} writes its WAL frames without syncing them; {@link #force} then makes
 * every transaction whose commit returned before the call durable, with one {@code fdatasync} that
 * runs outside SQLite and its locks. Used by the ledger ({@link SqliteLedgerStore#sync}) and the
 * gateway's burn store.
 *
 * <p>Open it right after the WAL exists, not at the first flush: Linux reports a failed write-back
 * once, to the descriptors open when it happened, and a checkpoint's own fsync could take that
 * report first. Opening also fsyncs the directory, so the WAL's name survives a crash.
 *
 * <p>SQLite keeps one WAL file for as long as a connection to the database is open; the caller keeps
 * one open while it uses this. If the path names another file at a flush (someone deleted or
 * replaced it), the flush missed whatever SQLite wrote since, and {@link #force} fails.
 *
 * <p>Not synchronized: callers serialise {@link #force} and {@link #close} themselves.
 */
public final class WalFile implements AutoCloseable {
  private final Path path;
  /** The WAL's identity at open; null where the platform has no inode. */
  private final Object key;
  private final FileChannel channel;

  private WalFile(Path path, Object key, FileChannel channel) {
    this.path = path;
    this.key = key;
    this.channel = channel;
  }

  /** Opens the WAL of {@code database} ({@code database + "-wal"}, which must exist) and fsyncs its directory. */
  public static WalFile open(Path database) throws IOException {
    Path path = Path.of(database + "-wal");
    Object key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
    try {
      syncDirectory(path.toAbsolutePath().getParent());
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    return new WalFile(path, key, channel);
  }

  /**
   * fsyncs the WAL ({@code fdatasync}).
   *
   * @throws IOException if the flush fails, or the path names another file than the one opened
   */
  public void force() throws IOException {
    // A FileChannel closes itself when its thread is interrupted, and every later flush would fail:
    // a caller's stale interrupt must not turn into a "failed sync" (the ledger then refuses to open
    // until reboot). The flag is cleared for the flush and set again after it. (An interrupt that
    // arrives during the flush still closes the channel; this descriptor's users do not interrupt.)
    boolean interrupted = Thread.interrupted();
    try {
      channel.force(false);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    Object now = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    if (key != null && !key.equals(now)) {
      throw new IOException(path + " was replaced while the database was open; recent commits may not be durable");
    }
  }

  public Path path() {
    return path;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  /** fsyncs a directory, so that a file created in it is still there after a crash (Linux; elsewhere a no-op). */
  private static void syncDirectory(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (AccessDeniedException | UnsupportedOperationException e) {
      // Some platforms cannot open or sync a directory; SQLite skips it there as well.
    }
  }
}
