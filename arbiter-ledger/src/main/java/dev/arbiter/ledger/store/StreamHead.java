package dev.arbiter.ledger.store;

/** The last event of a stream: its sequence number and entry hash (the next event's prev hash). */
public record StreamHead(long streamSeq, byte[] entryHash) {}
