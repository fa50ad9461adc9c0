package dev.arbiter.ledger.store;

/** A forward-only, streaming read. Holds a database cursor until closed. */
public interface Cursor<T> extends AutoCloseable {
  /** The next item, or null at the end. */
  T next() throws LedgerStoreException;

  @Override
  void close();
}
