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
 * the {@code grant} of an authorized decision: a grant is a bearer capability. The pending listing
 * carries {@link #summary summaries}.
 */
final class DecisionJson {
  /** In a summary, {@code action.intent}, {@code context.request_source} and {@code context.scope} are cut to this many characters. */
  static final int SUMMARY_TEXT_CHARS = 256;

  private DecisionJson() {}

  static ObjectNode of(DecisionState d, ApprovalService approvalService, boolean withGrant) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    head(o, d, new String[] {"reasons", "risk", "authority", "gates", "policy"});
    o.set("receipt", d.receipt().orElseThrow().toJson());
    d.proposer().ifPresentOrElse(p -> o.put("proposer", p), () -> o.putNull("proposer"));
    o.set("request", d.request());
    approvals(o, d, approvalService);
    if (withGrant) {
      d.approvals().grant().ifPresent(g -> o.put("grant", g.compact()));
    }
    return o;
  }

  /**
   * A pending listing's item: what an approver needs to pick a decision, bounded whatever the request
   * carried. {@link #of} without {@code gates}, {@code receipt} and {@code request.action.payload}
   * (replaced by its {@code payload_hash}, the hash a grant would bind), with the free-text fields of
   * the request cut to {@value #SUMMARY_TEXT_CHARS} characters (ending in {@code …}); {@code
   * "summary": true}. The full decision is {@code GET /v1/decisions/{id}}. A payload can be most of a
   * 64 KiB body, and the receipt of a decision re-read from the ledger is an inclusion proof rebuilt
   * from the store: a listing of full decisions cost ~67 KB and a proof per item.
   */
  static ObjectNode summary(DecisionState d, ApprovalService approvalService) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    head(o, d, new String[] {"reasons", "risk", "authority", "policy"});
    o.put("summary", true);
    d.proposer().ifPresentOrElse(p -> o.put("proposer", p), () -> o.putNull("proposer"));
    ObjectNode request = d.request().deepCopy();
    if (request.path("action") instanceof ObjectNode action) {
      com.fasterxml.jackson.databind.JsonNode payload = action.remove("payload");
      if (payload != null) {
        action.put("payload_hash", dev.arbiter.core.grant.Grant.payloadHash(payload));
      }
      cut(action, "intent");
    }
    if (request.path("context") instanceof ObjectNode context) {
      cut(context, "request_source");
      cut(context, "scope");
    }
    o.set("request", request);
    approvals(o, d, approvalService);
    return o;
  }

  private static void cut(ObjectNode parent, String field) {
    com.fasterxml.jackson.databind.JsonNode v = parent.get(field);
    if (v != null && v.isTextual() && v.asText().length() > SUMMARY_TEXT_CHARS) {
      String text = v.asText();
      int end = Character.isHighSurrogate(text.charAt(SUMMARY_TEXT_CHARS - 1)) ? SUMMARY_TEXT_CHARS - 1 : SUMMARY_TEXT_CHARS;
      parent.put(field, text.substring(0, end) + "…");
    }
  }

  private static void head(ObjectNode o, DecisionState d, String[] recorded) {
    o.put("decision_id", d.id());
    o.put("status", d.status().wireName());
    o.put("outcome", d.outcome().wireName());
    for (String field : recorded) {
      o.putRawValue(field, d.evaluation().raw(field)); // the recorded JSON as it is, not parsed again
    }
    d.expiresAt().ifPresentOrElse(t -> o.put("expires_at", t.toString()), () -> o.putNull("expires_at"));
  }

  private static void approvals(ObjectNode o, DecisionState d, ApprovalService approvalService) {
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
  }
}
