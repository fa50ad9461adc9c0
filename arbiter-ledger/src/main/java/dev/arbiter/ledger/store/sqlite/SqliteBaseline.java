package dev.arbiter.ledger.store.sqlite;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The raw limit the ledger's write path is measured against: batched inserts of rows shaped
 * exactly like ledger entries (the same table and index, WAL, {@code synchronous=FULL}, one
 * transaction per batch), with no hashing, signing, sequencing or acknowledgement. Used by
 * {@code arbiter ledger bench --baseline} to report a ratio, measured in the same run.
 */
public final class SqliteBaseline {
  private SqliteBaseline() {}

  /**
   * Inserts {@code rows} copies of {@code envelope} into a fresh database at {@code file} (deleted
   * afterwards) in batches of {@code batch} rows, and returns rows per second.
   */
  public static double batchedInsertRowsPerSecond(Path file, byte[] envelope, int rows, int batch) throws SQLException {
    String url = "jdbc:sqlite:" + file;
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
      st.execute("PRAGMA journal_mode=WAL");
      st.execute("PRAGMA synchronous=FULL");
      for (String ddl : SqliteSchema.CREATE) {
        if (ddl.contains("TABLE entries") || ddl.contains("INDEX entries_by_stream")) {
          st.execute(ddl);
        }
      }
      c.setAutoCommit(false);
      byte[] hash = new byte[32];
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO entries (leaf_index, stream_id, stream_seq, event_type, entry_hash, envelope) VALUES (?,?,?,?,?,?)")) {
        long start = System.nanoTime();
        for (int leaf = 0; leaf < rows; ) {
          int end = Math.min(rows, leaf + batch);
          for (; leaf < end; leaf++) {
            ps.setLong(1, leaf);
            ps.setString(2, String.format("dec_baseline%012d", leaf >>> 3));
            ps.setLong(3, leaf & 7);
            ps.setString(4, "bench.appended");
            hash[0] = (byte) leaf;
            ps.setBytes(5, hash);
            ps.setBytes(6, envelope);
            ps.addBatch();
          }
          ps.executeBatch();
          c.commit();
        }
        return rows / ((System.nanoTime() - start) / 1e9);
      }
    } finally {
      for (String suffix : new String[] {"", "-wal", "-shm"}) {
        try {
          Files.deleteIfExists(Path.of(file + suffix));
        } catch (java.io.IOException ignored) {
          // a leftover temporary file is harmless
        }
      }
    }
  }
}
