package dev.arbiter.ledger.store;

/**
 * One row of the ledger as a store holds it. The columns other than {@code envelope} are an index
 * over it: verifiers check them against the envelope and trust only the hashed bytes.
 *
 * @param envelope the canonical envelope bytes (exactly what was hashed)
 * @param mistypedColumns null when every column holds the storage type the schema declares (or the
 *     types were not checked); else the ones that do not. Only {@link LedgerStore#scanEntries}
 *     reports it: a row whose {@code stream_id} is a BLOB reads as the same text, but typed lookups
 *     ({@code stream_id = ?}) no longer find it.
 */
public record StoredEntry(
    long leafIndex, String streamId, long streamSeq, String eventType, byte[] entryHash, byte[] envelope,
    MistypedColumns mistypedColumns) {

  /** A row whose columns have their declared types (or whose types were not checked). */
  public StoredEntry(long leafIndex, String streamId, long streamSeq, String eventType, byte[] entryHash, byte[] envelope) {
    this(leafIndex, streamId, streamSeq, eventType, entryHash, envelope, null);
  }
}
