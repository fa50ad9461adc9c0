package dev.arbiter.ledger.store;

import dev.arbiter.core.crypto.KeyId;

/**
 * Fixed at creation: the ledger's random id (bound into every checkpoint, so a checkpoint from
 * another ledger is recognised) and the id of the key that signs its checkpoints.
 */
public record LedgerIdentity(String ledgerId, KeyId ledgerKeyId) {}
