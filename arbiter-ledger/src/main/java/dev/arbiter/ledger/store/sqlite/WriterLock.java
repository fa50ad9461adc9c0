package dev.arbiter.ledger.store.sqlite;

import dev.arbiter.ledger.store.ExclusiveLock;
import dev.arbiter.ledger.store.LedgerStoreException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One writer per ledger file: an {@link ExclusiveLock} on {@code <ledger>.lock} beside it, held from
 * open to close. SQLite's own locking lets a second process append between the first one's
 * transactions, and the first, which numbers leaves and builds its tree in memory, then fails every
 * commit ("commit out of order") until it reloads: two engines on one data directory degraded each
 * other. Readers ({@code ledger verify}, {@code show}) take no lock. A separate file, not the
 * database: SQLite's own POSIX locks live on the database file.
 */
final class WriterLock implements AutoCloseable {
  private final ExclusiveLock lock;

  private WriterLock(ExclusiveLock lock) {
    this.lock = lock;
  }

  static Path fileFor(Path ledger) {
    return ledger.resolveSibling(ledger.getFileName() + ".lock");
  }

  /** @throws LedgerStoreException when another writer holds the ledger, or the lock file cannot be used */
  static WriterLock acquire(Path ledger) throws LedgerStoreException {
    Path file = fileFor(ledger.toAbsolutePath());
    try {
      return new WriterLock(ExclusiveLock.tryAcquire(file).orElseThrow(() -> new LedgerInUseException(ledger)));
    } catch (IOException e) {
      throw new LedgerStoreException("cannot lock " + file + " (a symlink is refused): " + e);
    }
  }

  @Override
  public void close() {
    lock.close();
  }

  /** Another process (or another open in this one) is appending to this ledger. */
  static final class LedgerInUseException extends LedgerStoreException {
    LedgerInUseException(Path ledger) {
      super("ledger " + ledger + " is in use by another writer (an engine, a quickstart or a bench holds "
          + fileFor(ledger).getFileName() + "); stop it first, or read a copy");
    }
  }
}
