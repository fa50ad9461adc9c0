package dev.arbiter.server.engine;

/**
 * The engine's answer to a submit or a cancel.
 *
 * @param decision the decision as it now stands, with the receipt of its latest ledger event
 * @param replayed true when the Idempotency-Key had already produced this answer (nothing new was
 *     recorded)
 */
public record Submission(DecisionState decision, boolean replayed) {}
