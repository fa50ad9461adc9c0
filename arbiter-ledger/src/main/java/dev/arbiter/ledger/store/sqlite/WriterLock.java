package dev.arbiter.ledger.store.sqlite;

import dev.arbiter.ledger.store.LedgerStoreException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One writer per ledger file: an exclusive lock on {@code <ledger>.lock} beside it, held from open to
 * close. SQLite's own locking lets a second process append between the first one's transactions,
 * and the first, which numbers leaves and builds its tree in memory, then fails every commit ("commit
 * out of order") until it reloads: two engines on one data directory degraded each other. Readers
 * ({@code ledger verify}, {@code show}) take no lock.
 *
 * <p>A separate file, not the database: SQLite's own POSIX locks live on the database file, and a
 * POSIX lock is dropped when any descriptor of the file in the process is closed.
 */
final class WriterLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private WriterLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  static Path fileFor(Path ledger) {
    return ledger.resolveSibling(ledger.getFileName() + ".lock");
  }

  /** @throws LedgerStoreException when another writer holds the ledger, or the lock file cannot be used */
  static WriterLock acquire(Path ledger) throws LedgerStoreException {
    Path file = fileFor(ledger);
    FileChannel ch;
    try {
      ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new LedgerStoreException("cannot open " + file + " to hold the ledger: " + e);
    }
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by this process already, through another open
    } catch (IOException e) {
      closeQuietly(ch);
      throw new LedgerStoreException("cannot lock " + file + ": " + e);
    }
    if (lock == null) {
      closeQuietly(ch);
      throw new LedgerInUseException(ledger);
    }
    return new WriterLock(ch, lock);
  }

  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException ignored) {
      // the channel's close below releases it too
    }
    closeQuietly(channel);
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // nothing was written through it
    }
  }

  /** Another process (or another open in this one) is appending to this ledger. */
  static final class LedgerInUseException extends LedgerStoreException {
    LedgerInUseException(Path ledger) {
      super("ledger " + ledger + " is in use by another writer (an engine, a quickstart or a bench holds "
          + fileFor(ledger).getFileName() + "); stop it first, or read a copy");
    }
  }
}
