package dev.arbiter.ledger;

import dev.arbiter.ledger.event.EventEnvelope;
import dev.arbiter.ledger.receipt.Receipt;

/** An event as the ledger durably recorded it, and the receipt proving it. */
public record AppendedEvent(EventEnvelope envelope, Receipt receipt) {}
