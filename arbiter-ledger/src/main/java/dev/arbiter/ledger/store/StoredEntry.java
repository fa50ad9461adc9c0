package dev.arbiter.ledger.store;

/**
 * One row of the ledger as a store holds it. The columns other than {@code envelope} are an index
 * over it: verifiers check them against the envelope and trust only the hashed bytes.
 *
 * @param envelope the canonical envelope bytes (exactly what was hashed)
 */
public record StoredEntry(
    long leafIndex, String streamId, long streamSeq, String eventType, byte[] entryHash, byte[] envelope) {}
