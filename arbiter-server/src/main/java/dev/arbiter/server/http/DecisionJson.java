package dev.arbiter.server.http;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.server.engine.ApprovalService;
import dev.arbiter.server.engine.DecisionState;

/**
 * The response body of {@code POST /v1/decisions}, {@code GET /v1/decisions/{id}} and the cancel:
 * {@code {decision_id, status, outcome, reasons, risk {score, band, factors}, authority (or null),
 * gates, policy {hash, version}, expires_at (or null), receipt}}. The receipt is that of the
 * decision's latest ledger event; plus {@code proposer}, the normalised {@code request}, and {@code
 * approvals {accepted[], counted, missing[]}}. Only the proposer's own answers (submit, cancel) carry
 * the {@code grant} of an authorized decision: a grant is a bearer capability.
 */
final class DecisionJson {
  private DecisionJson() {}

  static ObjectNode of(DecisionState d, ApprovalService approvalService, boolean withGrant) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("decision_id", d.id());
    o.put("status", d.status().wireName());
    o.put("outcome", d.outcome().wireName());
    for (String field : new String[] {"reasons", "risk", "authority", "gates", "policy"}) {
      o.putRawValue(field, d.evaluation().raw(field)); // the recorded JSON as it is, not parsed again
    }
    d.expiresAt().ifPresentOrElse(t -> o.put("expires_at", t.toString()), () -> o.putNull("expires_at"));
    o.set("receipt", d.receipt().orElseThrow().toJson());
    d.proposer().ifPresentOrElse(p -> o.put("proposer", p), () -> o.putNull("proposer"));
    o.set("request", d.request());
    ObjectNode approvals = o.putObject("approvals");
    var accepted = approvals.putArray("accepted");
    for (var a : d.approvals().accepted()) {
      ObjectNode n = accepted.addObject().put("actor", a.signer().actor()).put("key_id", a.keyId())
          .put("signed_at", a.signedAt().toString());
      a.signer().level().ifPresentOrElse(l -> n.put("level", l.name()), () -> n.putNull("level"));
    }
    var quorum = approvalService.quorum(d);
    approvals.put("counted", quorum.counted());
    var missing = approvals.putArray("missing");
    if (d.status() == dev.arbiter.core.decision.DecisionStatus.PENDING_AUTHORITY) {
      quorum.missing().forEach(missing::add);
    }
    if (withGrant) {
      d.approvals().grant().ifPresent(g -> o.put("grant", g.compact()));
    }
    return o;
  }
}
