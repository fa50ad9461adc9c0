package dev.arbiter.ledger.store.sqlite;

import dev.arbiter.ledger.store.StorageCheck;
import dev.arbiter.ledger.store.sqlite.SqliteSchema.SchemaObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The checks of a ledger file as a whole (see {@link StorageCheck}).
 *
 * <ul>
 *   <li>{@code PRAGMA integrity_check}: every B-tree well formed and every index holding exactly the
 *       rows of its table. {@code quick_check} is cheaper (~0.5 s against ~0.8 s on 1M entries) but
 *       skips the index-against-table comparison, which is the part that matters: an index swapped
 *       for one that lacks a row (a root page changed through {@code writable_schema}) hides that
 *       entry from every lookup by stream while the table, and so the scan, is intact.
 *   <li>{@code sqlite_master} against {@link SqliteSchema#OBJECTS}, object by object and SQL text by
 *       SQL text: a trigger that drops inserts ({@code RAISE(IGNORE)}) makes the writer acknowledge
 *       appends it never stored. SQLite's own statistics tables ({@code sqlite_stat1..4}, made by
 *       {@code ANALYZE}) are not a change. A missing append-only trigger is reported apart: it
 *       changes no read.
 * </ul>
 */
final class SqliteStorageCheck {
  /** How {@code integrity_check} names an entries row its index lacks. */
  private static final Pattern ENTRY_ROW = Pattern.compile("^row (\\d{1,18}) missing from index entries_by_stream$");

  private SqliteStorageCheck() {}

  /** Both checks on {@code c}, a connection of its own (the integrity check reads the whole file). */
  static StorageCheck run(Connection c) throws SQLException {
    List<String> damage = new ArrayList<>();
    long damagedLeaf = -1;
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA integrity_check")) {
      while (rs.next()) {
        String line = rs.getString(1);
        if (!"ok".equals(line)) {
          damage.add(line);
          Matcher m = ENTRY_ROW.matcher(line);
          if (m.find()) {
            // integrity_check counts rows from 1 in rowid order, and the entries' rowid is the leaf
            // index: with leaves 0..n-1 (what verification checked before it names this) row k is leaf k-1.
            long leaf = Long.parseLong(m.group(1)) - 1;
            damagedLeaf = damagedLeaf < 0 ? leaf : Math.min(damagedLeaf, leaf);
          }
        }
      }
    }
    List<String> changes = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    compareSchema(c, changes, missing);
    return new StorageCheck(damage, damagedLeaf, changes, missing);
  }

  /** The schema comparison alone (cheap: {@code sqlite_master} has a dozen rows). */
  static List<String> schemaChanges(Connection c) throws SQLException {
    List<String> changes = new ArrayList<>();
    compareSchema(c, changes, new ArrayList<>());
    return changes;
  }

  /** The ledger's tables that the file does not have: without them nothing can be read, let alone verified. */
  static List<String> missingTables(Connection c) throws SQLException {
    java.util.Set<String> found = new java.util.HashSet<>();
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
      while (rs.next()) {
        found.add(rs.getString(1));
      }
    }
    return SqliteSchema.OBJECTS.values().stream().filter(o -> o.type().equals("table") && !found.contains(o.name()))
        .map(SchemaObject::name).sorted().toList();
  }

  private static void compareSchema(Connection c, List<String> changes, List<String> missing) throws SQLException {
    Map<String, SchemaObject> expected = SqliteSchema.OBJECTS;
    Map<String, SchemaObject> found = new HashMap<>();
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid")) {
      while (rs.next()) {
        SchemaObject o = new SchemaObject(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4));
        found.put(o.name(), o);
        SchemaObject want = expected.get(o.name());
        if (want == null) {
          if (!(o.type().equals("table") && o.name().startsWith("sqlite_stat"))) {
            changes.add(o.describe() + " is not part of the ledger's schema: " + shown(o.sql()));
          }
        } else if (!want.equals(o)) {
          changes.add(o.describe() + " differs from the ledger's schema: " + shown(o.sql()));
        }
      }
    }
    for (SchemaObject want : expected.values()) {
      if (!found.containsKey(want.name())) {
        if (SqliteSchema.isSafeguard(want)) {
          missing.add(want.name());
        } else {
          changes.add(want.describe() + " of the ledger's schema is missing");
        }
      }
    }
  }

  private static String shown(String sql) {
    if (sql == null) {
      return "(no SQL)";
    }
    String one = sql.replaceAll("\\s+", " ");
    return one.length() > 300 ? one.substring(0, 300) + "…" : one;
  }
}
