package dev.arbiter.ledger.store;

import dev.arbiter.ledger.checkpoint.Checkpoint;
import java.util.List;

/**
 * What one durable commit writes, atomically: consecutive entries, the Merkle nodes they completed,
 * and the signed checkpoint over the resulting tree.
 */
public record CommitBatch(List<StoredEntry> entries, List<StoredNode> nodes, Checkpoint checkpoint) {
  public CommitBatch {
    entries = List.copyOf(entries);
    nodes = List.copyOf(nodes);
    if (checkpoint == null) {
      throw new IllegalArgumentException("every commit batch ends with a checkpoint");
    }
  }
}
