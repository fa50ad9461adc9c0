package dev.arbiter.server.http;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.server.engine.DecisionState;

/**
 * The response body of {@code POST /v1/decisions}, {@code GET /v1/decisions/{id}} and the cancel:
 * {@code {decision_id, status, outcome, reasons, risk {score, band, factors}, authority (or null),
 * gates, policy {hash, version}, expires_at (or null), receipt}}. The receipt is that of the
 * decision's latest ledger event. An allowed decision has status {@code authorized} and, until grants
 * exist (issue 5), no {@code grant}.
 */
final class DecisionJson {
  private DecisionJson() {}

  static ObjectNode of(DecisionState d) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("decision_id", d.id());
    o.put("status", d.status().wireName());
    o.put("outcome", d.outcome().wireName());
    for (String field : new String[] {"reasons", "risk", "authority", "gates", "policy"}) {
      o.set(field, d.evaluation().get(field)); // shared, read-only: serialised at once, never mutated
    }
    d.expiresAt().ifPresentOrElse(t -> o.put("expires_at", t.toString()), () -> o.putNull("expires_at"));
    o.set("receipt", d.receipt().orElseThrow());
    return o;
  }
}
