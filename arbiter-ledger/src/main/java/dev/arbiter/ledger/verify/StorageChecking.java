package dev.arbiter.ledger.verify;

import static dev.arbiter.ledger.verify.IntegrityFailure.atEntry;

import dev.arbiter.ledger.store.LedgerStore;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.StorageCheck;
import dev.arbiter.ledger.store.StoredEntry;
import dev.arbiter.ledger.verify.IntegrityFailure.Kind;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The store's check of its storage as a whole ({@link LedgerStore#checkStorage}), run once per
 * verification on its own thread beside the scan (it reads every page), and judged after the scan:
 * the first bad entry is named first; damage and a changed schema are failures of their own when
 * every entry is right; missing append-only triggers are a warning.
 */
final class StorageChecking {
  private final LedgerStore store;
  private final CompletableFuture<StorageCheck> result;

  private StorageChecking(LedgerStore store) {
    this.store = store;
    this.result = CompletableFuture.supplyAsync(() -> {
      try {
        return store.checkStorage();
      } catch (LedgerStoreException e) {
        throw new CompletionException(e);
      }
    }, r -> Thread.ofPlatform().name("arbiter-verify-storage").daemon(true).start(r));
  }

  static StorageChecking start(LedgerStore store) {
    return new StorageChecking(store);
  }

  /**
   * After a scan that found every entry and checkpoint right: throws for damage or a changed
   * schema, else returns the warnings.
   */
  List<String> judge(long entries) throws LedgerVerificationException, LedgerStoreException {
    StorageCheck check = await();
    throwIfDamaged(check, entries, check.damagedLeaf()); // the scan found leaves 0..n-1: a position names a leaf
    if (!check.schemaChanges().isEmpty()) {
      List<String> changes = check.schemaChanges();
      throw new LedgerVerificationException(new IntegrityFailure(Kind.SCHEMA_ALTERED, -1, null, -1, -1,
          "the ledger's tables, index and append-only triggers only", changes.getFirst(),
          "the database's schema was altered: " + String.join("; ", changes)
              + ". Whoever did so could write to the file; a trigger can drop or change appends before they are stored",
          -1), entries);
    }
    if (check.missingSafeguards().isEmpty()) {
      return List.of();
    }
    return List.of("the ledger's append-only triggers are missing (" + String.join(", ", check.missingSafeguards())
        + "): every entry was checked and reads are unaffected, but whoever dropped them could write to this file");
  }

  /** After a scan that could not read a row: damage the check found explains it better. */
  LedgerStoreException orDamage(LedgerStoreException unreadable) throws LedgerVerificationException {
    StorageCheck check;
    try {
      check = await();
    } catch (LedgerStoreException e) {
      return unreadable;
    }
    throwIfDamaged(check, -1, -1);
    return unreadable;
  }

  private void throwIfDamaged(StorageCheck check, long entries, long leaf) throws LedgerVerificationException {
    if (check.damage().isEmpty()) {
      return;
    }
    Optional<StoredEntry> entry = Optional.empty();
    if (leaf >= 0) {
      try {
        entry = store.entry(leaf);
      } catch (LedgerStoreException e) {
        // named by its leaf index alone
      }
    }
    String what = entry.map(e -> " Entry " + leaf + " (stream " + e.streamId() + ", seq " + e.streamSeq()
        + ") is missing from the index: lookups by stream (the engine's replays, the writer's stream heads) do not find it.")
        .orElse("");
    String found = String.join("; ", check.damage().subList(0, Math.min(5, check.damage().size())))
        + (check.damage().size() > 5 ? "; " + (check.damage().size() - 5) + " more" : "");
    throw new LedgerVerificationException(atEntry(Kind.STORAGE_DAMAGED, leaf,
        entry.map(StoredEntry::streamId).orElse(null), entry.map(StoredEntry::streamSeq).orElse(-1L),
        "ok", found, "the database file is damaged or was edited below SQL (PRAGMA integrity_check: " + found + ")." + what),
        Math.max(entries, 0));
  }

  private StorageCheck await() throws LedgerStoreException {
    try {
      return result.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof LedgerStoreException lse) {
        throw lse;
      }
      throw new LedgerStoreException("checking the ledger's storage failed: " + e.getCause(), e.getCause());
    }
  }
}
