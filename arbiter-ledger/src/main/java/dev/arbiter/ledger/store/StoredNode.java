package dev.arbiter.ledger.store;

/**
 * A persisted Merkle node: the hash of the complete subtree at {@code level} (a multiple of {@link
 * dev.arbiter.ledger.tree.TiledTree#TILE_HEIGHT}) and {@code index}. Lower levels are recomputed
 * from these and the entry hashes, in tiles of 256.
 */
public record StoredNode(int level, long index, byte[] hash) {}
