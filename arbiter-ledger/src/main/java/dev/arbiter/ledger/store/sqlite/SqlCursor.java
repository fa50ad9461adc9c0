package dev.arbiter.ledger.store.sqlite;

import dev.arbiter.ledger.store.Cursor;
import dev.arbiter.ledger.store.LedgerStoreException;
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

  private final SqliteLedgerStore store;
  private final PreparedStatement ps;
  private final ResultSet rs;
  private final RowMapper<T> mapper;
  private boolean done;

  SqlCursor(SqliteLedgerStore store, String sql, Binder binder, RowMapper<T> mapper) throws LedgerStoreException {
    this.store = store;
    this.mapper = mapper;
    try {
      ps = store.connection().prepareStatement(sql);
      binder.bind(ps);
      rs = ps.executeQuery();
    } catch (SQLException e) {
      throw new LedgerStoreException("ledger " + store.file() + ": cannot read: " + e.getMessage(), e);
    }
  }

  @Override
  public T next() throws LedgerStoreException {
    if (done) {
      return null;
    }
    try {
      synchronized (store) {
        if (!rs.next()) {
          done = true;
          return null;
        }
        return mapper.map(rs);
      }
    } catch (SQLException e) {
      throw new LedgerStoreException("ledger " + store.file() + ": read failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      rs.close();
      ps.close();
    } catch (SQLException ignored) {
      // nothing to report to
    }
  }
}
