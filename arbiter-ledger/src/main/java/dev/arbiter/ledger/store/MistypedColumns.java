package dev.arbiter.ledger.store;

import java.util.List;

/**
 * The columns of one stored row that hold another storage type than the schema declares, each with
 * the declared and the found type (same order in all three lists).
 */
public record MistypedColumns(List<String> columns, List<String> declared, List<String> found) {
  public MistypedColumns {
    columns = List.copyOf(columns);
    declared = List.copyOf(declared);
    found = List.copyOf(found);
    if (columns.isEmpty() || declared.size() != columns.size() || found.size() != columns.size()) {
      throw new IllegalArgumentException("one declared and one found type per column, at least one column");
    }
  }

  /** {@code "stream_id text"}: what the schema declares. */
  public String declaredTypes() {
    return pairs(declared);
  }

  /** {@code "stream_id blob"}: what is stored. */
  public String foundTypes() {
    return pairs(found);
  }

  /** {@code "stream_id is stored as blob, not text"}. */
  public String describe() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < columns.size(); i++) {
      b.append(i == 0 ? "" : "; ").append(columns.get(i)).append(" is stored as ").append(found.get(i))
          .append(", not ").append(declared.get(i));
    }
    return b.toString();
  }

  /**
   * What the changed storage type breaks: the engine looks entries up by {@code stream_id}, {@code
   * stream_seq} and {@code event_type} (SQLite compares by type, so a blob never equals a text), while
   * {@code envelope} and {@code entry_hash} are only read back.
   */
  public String consequence() {
    boolean keyed = columns.stream().anyMatch(c -> c.equals("stream_id") || c.equals("stream_seq") || c.equals("event_type"));
    return keyed
        ? "lookups by stream and type (the engine's replays, the writer's stream head) no longer find it"
        : "the ledger never stores it that way";
  }

  private String pairs(List<String> types) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < columns.size(); i++) {
      b.append(i == 0 ? "" : ", ").append(columns.get(i)).append(' ').append(types.get(i));
    }
    return b.toString();
  }
}
