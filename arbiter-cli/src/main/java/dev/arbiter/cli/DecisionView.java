package dev.arbiter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How the CLI shows a decision JSON from the engine. Reads {@code decision_id, status, risk {score,
 * band}, authority {min_signatures, levels, roles, co_sign}, policy {hash}, expires_at, approvals[]}
 * and the request's {@code action {class, tool, intent, target {type, id}}}, {@code
 * context.environment} and {@code proposer}, either at the top level or under {@code request}
 * (whichever the engine sends). A field the engine does not send is shown as {@value #ABSENT},
 * never guessed. Every string passes through {@link Text#safe}.
 */
final class DecisionView {
  static final String ABSENT = "(not given by the engine)";

  private final JsonNode d;

  DecisionView(JsonNode decision) {
    this.d = decision;
  }

  String id() {
    return Text.at(d, ABSENT, "decision_id");
  }

  String actionClass() {
    return request(ABSENT, "action", "class");
  }

  String tool() {
    return request(ABSENT, "action", "tool");
  }

  String intent() {
    return request(ABSENT, "action", "intent");
  }

  String target() {
    String type = request("", "action", "target", "type");
    String id = request("", "action", "target", "id");
    return type.isEmpty() && id.isEmpty() ? ABSENT : type + ":" + id;
  }

  String environment() {
    return request(ABSENT, "context", "environment");
  }

  String proposer() {
    String p = Text.at(d, "", "proposer");
    return p.isEmpty() ? request(ABSENT, "context", "actor", "id") : p;
  }

  String band() {
    return Text.at(d, ABSENT, "risk", "band");
  }

  String risk() {
    JsonNode score = d.path("risk").path("score");
    return band() + (score.isNumber() ? String.format(Locale.ROOT, " (score %.4f)", score.asDouble()) : "");
  }

  String expires() {
    return Text.at(d, "-", "expires_at");
  }

  /** {@code 1 of 2}: approvals accepted so far of the signatures required, or "-" when not known. */
  String approvals() {
    JsonNode min = d.path("authority").path("min_signatures");
    JsonNode a = d.get("approvals");
    int counted = a == null ? -1 : a.isArray() ? a.size() : a.path("counted").isInt() ? a.get("counted").asInt() : -1;
    if (!min.isInt()) {
      return counted < 0 ? "-" : String.valueOf(counted);
    }
    return (counted < 0 ? "?" : String.valueOf(counted)) + " of " + min.asInt();
  }

  /** {@code authorized}, or {@code pending_authority (1 of 2)} while approvals are missing. */
  String statusLine() {
    String status = Text.at(d, ABSENT, "status");
    return status.equals("pending_authority") ? status + " (" + approvals() + ")" : status;
  }

  /** The required authority in words: signatures, levels or roles, co-signatures. */
  String authority() {
    JsonNode a = d.get("authority");
    if (a == null || !a.isObject()) {
      return ABSENT;
    }
    List<String> parts = new ArrayList<>();
    parts.add(Text.at(a, "?", "min_signatures") + " signature(s)" + (a.path("distinct").asBoolean(false) ? " from distinct approvers" : ""));
    List<String> who = new ArrayList<>();
    a.path("levels").forEach(l -> who.add(Text.safe(l.asText())));
    a.path("roles").forEach(r -> who.add("role " + Text.safe(r.asText())));
    if (!who.isEmpty()) {
      parts.add("from " + String.join(" or ", who));
    }
    a.path("co_sign").forEach(c -> parts.add("co-signed by " + Text.at(c, "?", "count") + " at " + Text.at(c, "?", "level") + "+"));
    return String.join(", ", parts);
  }

  /** {@code action.payload} (top level or under {@code request}): what the grant would let run. */
  java.util.Optional<JsonNode> payload() {
    JsonNode top = d.path("action").get("payload");
    JsonNode p = top != null ? top : d.path("request").path("action").get("payload");
    return p == null || p.isNull() || p.isMissingNode() ? java.util.Optional.empty() : java.util.Optional.of(p);
  }

  private String request(String fallback, String... path) {
    String top = Text.at(d, "", path);
    if (!top.isEmpty()) {
      return top;
    }
    String[] nested = new String[path.length + 1];
    nested[0] = "request";
    System.arraycopy(path, 0, nested, 1, path.length);
    String under = Text.at(d, "", nested);
    return under.isEmpty() ? fallback : under;
  }
}
