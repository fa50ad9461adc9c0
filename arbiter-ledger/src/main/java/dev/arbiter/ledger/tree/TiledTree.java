package dev.arbiter.ledger.tree;

import dev.arbiter.ledger.merkle.NodeSource;
import dev.arbiter.ledger.merkle.Rfc9162;
import dev.arbiter.ledger.store.CorruptLedgerException;
import dev.arbiter.ledger.store.LedgerStore;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.StoredNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The global Merkle tree over the ledger's entries, stored in tiles so that any proof costs
 * O(log n) reads and the store holds only one extra row per 256 leaves.
 *
 * <p>Layout: levels are grouped in bands of {@link #TILE_HEIGHT} = 8. Band 0's bottom is the leaf
 * hashes, {@code RFC9162-leaf(entry_hash)}, read from the entries table. Band b ≥ 1's bottom is the
 * level-8b nodes, which are persisted ({@link StoredNode}) when the tile below completes. Any node
 * inside a band is recomputed from (and memoised in) the tile that holds its bottom.
 *
 * <p>The right edge tile of each band lives in memory and grows as leaves are appended; complete
 * tiles are loaded on demand into a bounded LRU cache. Not thread-safe: callers serialise access.
 */
public final class TiledTree implements NodeSource {
  public static final int TILE_HEIGHT = 8;
  private static final int CACHE_TILES = 512;

  private final LedgerStore store;
  private final List<Tile> edges = new ArrayList<>();
  private final Map<Long, Tile> cache =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Tile> eldest) {
          return size() > CACHE_TILES;
        }
      };
  /**
   * Tiles (of any band) completed whose leaves may not all be committed yet, by {@link #key}: they
   * cannot be read back from the store, and the receipts of the appends that completed them, and
   * proofs against checkpoints inside them, need them ({@link #releaseCompleted}). At most {@link
   * #MAX_UNRELEASED}: past that, the oldest move to the cache (for a caller that never releases).
   */
  private final Map<Long, Tile> unreleased = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, Tile> eldest) {
      if (size() <= MAX_UNRELEASED) {
        return false;
      }
      cache.put(eldest.getKey(), eldest.getValue());
      return true;
    }
  };
  private static final int MAX_UNRELEASED = 1024;
  private long size;

  private TiledTree(LedgerStore store) {
    this.store = store;
  }

  /** The tree over the first {@code size} entries of {@code store}. */
  public static TiledTree load(LedgerStore store, long size) throws LedgerStoreException {
    TiledTree t = new TiledTree(store);
    t.size = size;
    long count = size;
    for (int band = 0; count > 0 || band == 0; band++) {
      long edgeIndex = count >>> 8;
      int width = (int) (count & 0xff);
      t.edges.add(width == 0 ? new Tile() : t.readTile(band, edgeIndex, width));
      count >>>= 8;
    }
    return t;
  }

  public long size() {
    return size;
  }

  /**
   * Appends a leaf (the entry hash; it is leaf-hashed here) and returns the nodes that became
   * persistable: one level-8b node for every band-b tile that this append completed.
   */
  public List<StoredNode> append(byte[] entryHash) {
    List<StoredNode> completed = List.of();
    byte[] hash = Rfc9162.hashLeaf(entryHash);
    long indexInBand = size;
    for (int band = 0; ; band++) {
      if (band == edges.size()) {
        edges.add(new Tile());
      }
      Tile edge = edges.get(band);
      edge.add(hash);
      if (!edge.isFull()) {
        break;
      }
      long tileIndex = indexInBand >>> 8;
      byte[] root = edge.node(TILE_HEIGHT, 0);
      if (completed.isEmpty()) {
        completed = new ArrayList<>(2);
      }
      completed.add(new StoredNode((band + 1) * TILE_HEIGHT, tileIndex, root));
      unreleased.put(key(band, tileIndex), edge); // until the store holds all of it (releaseCompleted)
      edges.set(band, new Tile());
      hash = root;
      indexInBand = tileIndex;
    }
    size++;
    return completed;
  }

  /**
   * Lets go of the tiles that earlier appends completed whose leaves are all among the first {@code
   * committedSize} (committed: a read of the store finds them); those of band 1 and up move to the
   * cache. The ledger's writer calls it
   * before each batch with what its committer has written. A tile completed by a batch that is
   * sequenced but not yet committed must stay: a proof against the latest checkpoint (which may end
   * inside that tile) reads it, and the store does not hold all its leaves yet (a proof read it from
   * the store there and failed with "missing rows" under load). Why release at all: kept in the cache
   * as they completed, ~200 tiles a second (16 KB each) at 50,000 appends/s were all still reachable
   * at every young collection, which copied and promoted them (the heap after each pause grew ~6 MB
   * instead of ~1.7 MB). Later reads of a released tile load it from the store.
   */
  public void releaseCompleted(long committedSize) {
    var it = unreleased.entrySet().iterator();
    while (it.hasNext()) { // in completion order, so by the leaf each tile ends at
      var e = it.next();
      Long key = e.getKey();
      Tile tile = e.getValue();
      int band = (int) (key >>> 56);
      long tileIndex = key & ((1L << 56) - 1);
      if ((tileIndex + 1) << (TILE_HEIGHT * (band + 1)) > committedSize) {
        return;
      }
      it.remove();
      if (band > 0) {
        cache.put(key, tile); // one per 65,536 leaves or more: worth keeping
      }
    }
  }

  /** The root over all appended leaves. */
  public byte[] root() {
    return size == 0 ? Rfc9162.emptyRoot() : dev.arbiter.ledger.merkle.MerkleProofs.root(this, size);
  }

  @Override
  public byte[] completeNode(int level, long index) {
    int band = level / TILE_HEIGHT;
    int r = level % TILE_HEIGHT;
    long bottomStart = index << r;
    long tileIndex = bottomStart >>> 8;
    int i = (int) (index - (tileIndex << (TILE_HEIGHT - r)));
    return tile(band, tileIndex).node(r, i);
  }

  private Tile tile(int band, long tileIndex) {
    long bandCount = size >>> (TILE_HEIGHT * band);
    if (tileIndex == bandCount >>> 8) {
      return edges.get(band);
    }
    Long k = key(band, tileIndex);
    Tile t = unreleased.get(k);
    if (t == null) {
      t = cache.get(k);
    }
    if (t == null) {
      try {
        t = readTile(band, tileIndex, Tile.WIDTH);
      } catch (LedgerStoreException e) {
        throw new TreeReadException(e);
      }
      cache.put(k, t);
    }
    return t;
  }

  private Tile readTile(int band, long tileIndex, int width) throws LedgerStoreException {
    long from = tileIndex << 8;
    List<byte[]> bottom;
    if (band == 0) {
      List<byte[]> entryHashes = store.entryHashes(from, width);
      bottom = new ArrayList<>(entryHashes.size());
      for (byte[] eh : entryHashes) {
        bottom.add(Rfc9162.hashLeaf(eh));
      }
    } else {
      bottom = store.nodes(band * TILE_HEIGHT, from, width);
    }
    if (bottom.size() != width) {
      // Rows the signed checkpoints say exist are not there (deleted, or stored so that the typed
      // range read skips them): the data was altered, not the store unavailable.
      throw new CorruptLedgerException("Merkle tile (band " + band + ", index " + tileIndex + ") has "
          + bottom.size() + " stored hashes, expected " + width + ": the store is missing rows; run `arbiter ledger verify`");
    }
    return Tile.of(bottom);
  }

  private static Long key(int band, long tileIndex) {
    return ((long) band << 56) | tileIndex;
  }

  /** A store read failed while computing a node; carries the store's exception. */
  public static final class TreeReadException extends RuntimeException {
    TreeReadException(LedgerStoreException cause) {
      super(cause.getMessage(), cause);
    }

    @Override
    public synchronized LedgerStoreException getCause() {
      return (LedgerStoreException) super.getCause();
    }
  }
}
