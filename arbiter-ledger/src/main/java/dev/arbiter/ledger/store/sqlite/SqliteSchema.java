package dev.arbiter.ledger.store.sqlite;

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
