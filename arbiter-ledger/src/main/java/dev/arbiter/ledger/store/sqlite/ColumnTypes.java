package dev.arbiter.ledger.store.sqlite;

import dev.arbiter.ledger.store.MistypedColumns;
import java.util.ArrayList;
import java.util.List;

/**
 * The storage types ({@code typeof}) the schema declares for each table's columns, and what to say
 * when a row holds others. SQLite stores whatever type it is given in a column without STRICT (a
 * {@code CAST(x AS BLOB)} stays a BLOB in a TEXT column), and a row whose {@code stream_id} is a
 * BLOB still reads as the same text while {@code stream_id = ?} (the engine's replays, the writer's
 * stream heads, the tile loader's ranges) no longer finds it. So the scans that verification runs
 * ask for the types too and report any difference.
 *
 * <p>Each table's typed columns are one comma-separated list, and the SQL yields their types in the
 * same order: {@code typeof(a) || ',' || typeof(b)}.
 */
final class ColumnTypes {
  /** {@code entries} without {@code leaf_index} (the rowid: always an integer). */
  static final ColumnTypes ENTRIES =
      new ColumnTypes("stream_id,stream_seq,event_type,entry_hash,envelope", "text,integer,text,blob,blob");
  /** {@code checkpoints} without {@code tree_size} (the rowid). */
  static final ColumnTypes CHECKPOINTS =
      new ColumnTypes("root_hash,timestamp,key_id,signature,ledger_id", "blob,text,text,blob,text");
  /** {@code merkle_nodes} without {@code level}: a scan selects one level with {@code level = ?}. */
  static final ColumnTypes NODES = new ColumnTypes("idx,hash", "integer,blob");
  static final ColumnTypes LEDGER_META = new ColumnTypes("key,value", "text,text");

  private final String[] columns;
  private final String[] declared;
  /** The declared types as the SQL of {@link #sql()} yields them for a well-typed row. */
  final String expected;

  private ColumnTypes(String columns, String declared) {
    this.columns = columns.split(",");
    this.declared = declared.split(",");
    this.expected = declared;
  }

  /** The SQL expression that yields a row's types in the same form as {@link #expected}. */
  String sql() {
    StringBuilder b = new StringBuilder();
    for (String c : columns) {
      b.append(b.isEmpty() ? "" : " || ',' || ").append("typeof(").append(c).append(')');
    }
    return b.toString();
  }

  /** The SQL condition that holds when a row's types are the declared ones. */
  String sqlCondition() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < columns.length; i++) {
      b.append(i == 0 ? "" : " AND ").append("typeof(").append(columns[i]).append(") = '").append(declared[i]).append('\'');
    }
    return b.toString();
  }

  /** The columns whose type in {@code found} (as {@link #sql()} yields it) is not the declared one. */
  MistypedColumns mistyped(String found) {
    List<String> c = new ArrayList<>();
    List<String> d = new ArrayList<>();
    List<String> f = new ArrayList<>();
    for (int i : differing(found)) {
      c.add(columns[i]);
      d.add(declared[i]);
      f.add(typeAt(found, i));
    }
    return c.isEmpty() ? null : new MistypedColumns(c, d, f);
  }

  /** For a message: {@code "stream_id is stored as blob, not text"}. */
  String describe(String found) {
    MistypedColumns m = mistyped(found);
    return m == null ? "stored as declared" : m.describe();
  }

  private List<Integer> differing(String found) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < columns.length; i++) {
      if (!typeAt(found, i).equals(declared[i])) {
        out.add(i);
      }
    }
    return out;
  }

  private static String typeAt(String found, int i) {
    String[] f = found == null ? new String[0] : found.split(",");
    return i < f.length ? f[i] : "unknown";
  }
}
