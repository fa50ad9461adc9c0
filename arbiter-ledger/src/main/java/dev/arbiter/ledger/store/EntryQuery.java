package dev.arbiter.ledger.store;

/**
 * A filter for reading entries in leaf order.
 *
 * @param streamId only this stream, or null
 * @param eventType only this event type, or null
 * @param fromLeaf the first leaf index to consider
 * @param limit at most this many entries
 */
public record EntryQuery(String streamId, String eventType, long fromLeaf, int limit) {
  public EntryQuery {
    if (fromLeaf < 0) {
      throw new IllegalArgumentException("--from must be >= 0");
    }
    if (limit < 1) {
      throw new IllegalArgumentException("--limit must be >= 1");
    }
  }
}
