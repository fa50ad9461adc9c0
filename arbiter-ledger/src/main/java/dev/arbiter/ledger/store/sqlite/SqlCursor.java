package dev.arbiter.ledger.store.sqlite;

import dev.arbiter.ledger.store.Cursor;
import dev.arbiter.ledger.store.LedgerStoreException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** A streaming cursor over one SELECT; constant memory however many rows it yields. */
final class SqlCursor<T> implements Cursor<T> {
  interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException, LedgerStoreException;
  }

  private final Path file;
  private final Object lock;
  private final PreparedStatement ps;
  private final ResultSet rs;
  private final RowMapper<T> mapper;
  private boolean done;

  /** Opens the cursor on {@code c}; every step runs under {@code lock}, the lock that guards {@code c}. */
  SqlCursor(Path file, Connection c, Object lock, String sql, Binder binder, RowMapper<T> mapper) throws LedgerStoreException {
    this.file = file;
    this.lock = lock;
    this.mapper = mapper;
    try {
      ps = c.prepareStatement(sql);
      binder.bind(ps);
      rs = ps.executeQuery();
    } catch (SQLException e) {
      throw new LedgerStoreException("ledger " + file + ": cannot read: " + e.getMessage(), e);
    }
  }

  @Override
  public T next() throws LedgerStoreException {
    if (done) {
      return null;
    }
    try {
      synchronized (lock) {
        if (!rs.next()) {
          done = true;
          return null;
        }
        return mapper.map(rs);
      }
    } catch (SQLException e) {
      throw new LedgerStoreException("ledger " + file + ": read failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      synchronized (lock) {
        rs.close();
        ps.close();
      }
    } catch (SQLException ignored) {
      // nothing to report to
    }
  }
}
