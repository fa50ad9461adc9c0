package dev.arbiter.ledger.store;

import java.util.List;

/**
 * What a store found checking its storage as a whole, beyond the rows verification reads: the
 * storage engine's own consistency check, and the database's schema against the ledger's.
 *
 * @param damage what the consistency check reported (an index that lacks rows, a damaged page)
 * @param damagedLeaf the first entry the damage concerns, when the check names one, else -1. It may
 *     be counted by position (the n-th stored row is leaf n-1): use it only once the entries are
 *     known to be exactly leaves 0 to n-1
 * @param schemaChanges objects that are not part of the ledger's schema or differ from it (a trigger
 *     that drops inserts, an extra index or table)
 * @param missingSafeguards the append-only triggers that are gone: reads are unaffected, and every
 *     change they would have refused is caught by verification, but whoever dropped them could write
 */
public record StorageCheck(
    List<String> damage, long damagedLeaf, List<String> schemaChanges, List<String> missingSafeguards) {
  public static final StorageCheck NOTHING_FOUND = new StorageCheck(List.of(), -1, List.of(), List.of());

  public StorageCheck {
    damage = List.copyOf(damage);
    schemaChanges = List.copyOf(schemaChanges);
    missingSafeguards = List.copyOf(missingSafeguards);
  }
}
