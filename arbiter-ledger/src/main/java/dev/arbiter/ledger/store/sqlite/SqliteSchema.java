package dev.arbiter.ledger.store.sqlite;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SQLite ledger schema. {@code application_id} marks the file as an Arbiter ledger and
 * {@code user_version} is the schema version. Every table is append-only: triggers abort any UPDATE
 * or DELETE (a hostile DBA can drop them, which is what verification is for).
 */
final class SqliteSchema {
  /** "ARBL" */
  static final int APPLICATION_ID = 0x4152424C;

  static final int VERSION = 1;

  static final String[] CREATE = {
    """
    CREATE TABLE ledger_meta (
      key   TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) WITHOUT ROWID""",
    """
    CREATE TABLE entries (
      leaf_index INTEGER PRIMARY KEY,
      stream_id  TEXT    NOT NULL,
      stream_seq INTEGER NOT NULL,
      event_type TEXT    NOT NULL,
      entry_hash BLOB    NOT NULL,
      envelope   BLOB    NOT NULL
    )""",
    "CREATE UNIQUE INDEX entries_by_stream ON entries (stream_id, stream_seq)",
    """
    CREATE TABLE merkle_nodes (
      level INTEGER NOT NULL,
      idx   INTEGER NOT NULL,
      hash  BLOB    NOT NULL,
      PRIMARY KEY (level, idx)
    ) WITHOUT ROWID""",
    """
    CREATE TABLE checkpoints (
      tree_size INTEGER PRIMARY KEY,
      root_hash BLOB    NOT NULL,
      timestamp TEXT    NOT NULL,
      key_id    TEXT    NOT NULL,
      signature BLOB    NOT NULL,
      ledger_id TEXT    NOT NULL
    )""",
    appendOnly("ledger_meta"),
    appendOnlyDelete("ledger_meta"),
    appendOnly("entries"),
    appendOnlyDelete("entries"),
    appendOnly("merkle_nodes"),
    appendOnlyDelete("merkle_nodes"),
    appendOnly("checkpoints"),
    appendOnlyDelete("checkpoints"),
    "PRAGMA application_id = " + APPLICATION_ID,
    "PRAGMA user_version = " + VERSION,
  };

  /** One object of the schema as {@code sqlite_master} lists it. */
  record SchemaObject(String type, String name, String table, String sql) {
    /** {@code "trigger `zz` on entries"}. */
    String describe() {
      return type + " `" + name + "`" + (name.equals(table) ? "" : " on " + table);
    }
  }

  private static final Pattern OBJECT =
      Pattern.compile("CREATE (TABLE|UNIQUE INDEX|INDEX|TRIGGER) (\\w+)(?:.*? ON (\\w+))?", Pattern.DOTALL);

  /**
   * The objects {@link #CREATE} makes, by name, with the exact SQL text {@code sqlite_master} keeps
   * for them. The schema has not changed since the first ledger ({@link #VERSION} 1), so every
   * ledger file holds exactly these.
   */
  static final Map<String, SchemaObject> OBJECTS = objects();

  /** The append-only triggers: a ledger without them still reads right, but someone could write. */
  static boolean isSafeguard(SchemaObject o) {
    return o.type().equals("trigger") && (o.name().endsWith("_no_update") || o.name().endsWith("_no_delete"));
  }

  private static Map<String, SchemaObject> objects() {
    Map<String, SchemaObject> out = new LinkedHashMap<>();
    for (String ddl : CREATE) {
      Matcher m = OBJECT.matcher(ddl);
      if (!ddl.startsWith("CREATE")) {
        continue;
      }
      if (!m.lookingAt()) {
        throw new IllegalStateException("unparsable schema statement: " + ddl);
      }
      String type = m.group(1).endsWith("INDEX") ? "index" : m.group(1).toLowerCase(Locale.ROOT);
      String name = m.group(2);
      out.put(name, new SchemaObject(type, name, type.equals("table") ? name : m.group(3), ddl));
    }
    return Collections.unmodifiableMap(out);
  }

  private SqliteSchema() {}

  private static String appendOnly(String table) {
    return "CREATE TRIGGER " + table + "_no_update BEFORE UPDATE ON " + table
        + " BEGIN SELECT RAISE(ABORT, 'arbiter ledger is append-only: UPDATE of " + table + " refused'); END";
  }

  private static String appendOnlyDelete(String table) {
    return "CREATE TRIGGER " + table + "_no_delete BEFORE DELETE ON " + table
        + " BEGIN SELECT RAISE(ABORT, 'arbiter ledger is append-only: DELETE from " + table + " refused'); END";
  }
}
