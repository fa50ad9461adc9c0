package dev.arbiter.ledger.verify;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The first thing verification found wrong, named precisely: what kind of failure, where (leaf index,
 * stream, stream sequence, or checkpoint size), what was expected and what was found.
 *
 * @param leafIndex the entry concerned, or -1 when the failure is about a checkpoint
 * @param streamId the entry's stream as stored, or null
 * @param streamSeq the entry's stream sequence as stored, or -1
 * @param checkpointSize the checkpoint concerned, or -1
 * @param suspectsFrom when no single entry can be named (a signed root no longer matches, and the
 *     stream chains were recomputed to hide the change): the first of the entries {@code suspectsFrom}
 *     to {@code checkpointSize - 1}, one or more of which were changed; else -1
 */
public record IntegrityFailure(
    Kind kind, long leafIndex, String streamId, long streamSeq, long checkpointSize, String expected, String found,
    String message, long suspectsFrom) {

  /**
   * Values taken from the database are shown at most this long (with how long they were): a 50 MB
   * stream id printed whole buried the report (black-box run).
   */
  public static final int MAX_SHOWN = 512;

  /** The message, which may quote such values among its own words. */
  public static final int MAX_MESSAGE = 4096;

  public IntegrityFailure {
    streamId = clip(streamId, MAX_SHOWN);
    expected = clip(expected, MAX_SHOWN);
    found = clip(found, MAX_SHOWN);
    message = clip(message, MAX_MESSAGE);
  }

  private static String clip(String s, int max) {
    if (s == null || s.length() <= max) {
      return s;
    }
    int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
    return s.substring(0, end) + "… (" + s.length() + " characters in all)";
  }

  /** Stable names, printed in {@code --json} output. */
  public enum Kind {
    ENTRY_HASH_MISMATCH,
    ENTRY_MISSING,
    ENTRY_OUT_OF_PLACE,
    ENTRY_MALFORMED,
    STREAM_BROKEN,
    INDEX_MISMATCH,
    CHECKPOINT_SIGNATURE,
    CHECKPOINT_FOREIGN,
    CHECKPOINT_ROOT_MISMATCH,
    CHECKPOINT_ORDER,
    CHECKPOINT_BEYOND_END,
    ENTRIES_NOT_CHECKPOINTED,
    TRUSTED_CHECKPOINT_MISMATCH,
    MERKLE_NODE_MISMATCH,
    TRUNCATED,
    WRONG_KEY,
    /** A column holds another storage type than the schema declares (typed lookups no longer find the row). */
    COLUMN_TYPE,
    /** The storage engine's own consistency check failed (an index that lacks rows, a damaged page). */
    STORAGE_DAMAGED,
    /** The database holds objects (triggers, tables, indexes) that are not the ledger's, or altered ones. */
    SCHEMA_ALTERED
  }

  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("kind", kind.name().toLowerCase(java.util.Locale.ROOT));
    if (leafIndex >= 0) {
      o.put("leaf_index", leafIndex);
    }
    if (streamId != null) {
      o.put("stream", streamId);
    }
    if (streamSeq >= 0) {
      o.put("stream_seq", streamSeq);
    }
    if (checkpointSize >= 0) {
      o.put("checkpoint_tree_size", checkpointSize);
    }
    if (suspectsFrom >= 0) {
      o.put("suspect_leaves_from", suspectsFrom);
      o.put("suspect_leaves_to", checkpointSize - 1);
    }
    if (expected != null) {
      o.put("expected", expected);
    }
    if (found != null) {
      o.put("found", found);
    }
    o.put("message", message);
    return o;
  }

  static IntegrityFailure atEntry(Kind kind, long leaf, String stream, long seq, String expected, String found, String message) {
    return new IntegrityFailure(kind, leaf, stream, seq, -1, expected, found, message, -1);
  }

  static IntegrityFailure atCheckpoint(Kind kind, long size, String expected, String found, String message) {
    return new IntegrityFailure(kind, -1, null, -1, size, expected, found, message, -1);
  }

  /** A signed root that no longer matches: one or more of the entries {@code from} to {@code size - 1} changed. */
  static IntegrityFailure rootMismatch(long size, long from, String expected, String found, String message) {
    return new IntegrityFailure(Kind.CHECKPOINT_ROOT_MISMATCH, -1, null, -1, size, expected, found, message, from);
  }

  /** A checkpoint that covers entries the database no longer holds: {@code firstMissing} is the first gone leaf. */
  static IntegrityFailure missingFrom(Kind kind, long size, long firstMissing, String expected, String found, String message) {
    return new IntegrityFailure(kind, firstMissing, null, -1, size, expected, found, message, -1);
  }
}
