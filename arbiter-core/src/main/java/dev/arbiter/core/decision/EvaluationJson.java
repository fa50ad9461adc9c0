package dev.arbiter.core.decision;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.authority.AuthorityLevel;
import dev.arbiter.core.authority.AuthorityRequirement;
import dev.arbiter.core.authority.CoSign;
import dev.arbiter.core.policy.GateResult;
import dev.arbiter.core.risk.FactorContribution;

/**
 * The JSON shape of an {@link Evaluation}, shared by {@code arbiter decide --json} and the HTTP
 * engine: {@code outcome, reasons, policy {hash, version}, risk {score, band, factors[]}, authority
 * (null when no route matched), gates[]}.
 */
public final class EvaluationJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private EvaluationJson() {}

  public static ObjectNode toJson(Evaluation e) {
    ObjectNode root = F.objectNode();
    root.put("outcome", e.outcome().wireName());
    ArrayNode reasons = root.putArray("reasons");
    e.reasons().forEach(reasons::add);
    ObjectNode policy = root.putObject("policy");
    policy.put("hash", e.policy().hash());
    policy.put("version", e.policy().version());
    ObjectNode risk = root.putObject("risk");
    risk.put("score", e.risk().score());
    risk.put("band", e.risk().band().wireName());
    ArrayNode factors = risk.putArray("factors");
    for (FactorContribution f : e.risk().factors()) {
      ObjectNode n = factors.addObject();
      n.put("id", f.id());
      n.put("matched", f.matched());
      n.put("weight", f.weight());
      n.put("contribution", Math.round(f.contribution() * 10_000) / 10_000.0);
      n.put("reason", f.reason());
      f.error().ifPresent(err -> n.put("error", err));
    }
    if (e.authority().isPresent()) {
      root.set("authority", authority(e.authority().get()));
    } else {
      root.putNull("authority");
    }
    ArrayNode gates = root.putArray("gates");
    for (GateResult g : e.gates()) {
      ObjectNode n = gates.addObject();
      n.put("id", g.id());
      n.put("effect", g.effect().wireName());
      n.put("result", g.status().wireName());
      n.put("reason", g.reason());
      g.error().ifPresent(err -> n.put("error", err));
    }
    return root;
  }

  public static ObjectNode authority(AuthorityRequirement a) {
    ObjectNode n = F.objectNode();
    n.put("route", a.route());
    n.put("min_signatures", a.minSignatures());
    ArrayNode levels = n.putArray("levels");
    a.levels().stream().sorted().map(AuthorityLevel::name).forEach(levels::add);
    ArrayNode roles = n.putArray("roles");
    a.roles().stream().sorted().forEach(roles::add);
    n.put("distinct", a.distinct());
    ArrayNode co = n.putArray("co_sign");
    for (CoSign c : a.coSign()) {
      co.addObject().put("level", c.level().name()).put("count", c.count());
    }
    n.put("approval_ttl_seconds", a.approvalTtl().toSeconds());
    n.put("decision_ttl_seconds", a.decisionTtl().toSeconds());
    return n;
  }

  /** Reads back what {@link #authority} wrote (the requirement pinned on the ledger). */
  public static AuthorityRequirement authorityFromJson(com.fasterxml.jackson.databind.JsonNode n) {
    java.util.Set<AuthorityLevel> levels = java.util.EnumSet.noneOf(AuthorityLevel.class);
    n.path("levels").forEach(l -> levels.add(AuthorityLevel.fromName(l.asText())
        .orElseThrow(() -> new IllegalArgumentException("unknown level " + l))));
    java.util.Set<String> roles = new java.util.TreeSet<>();
    n.path("roles").forEach(r -> roles.add(r.asText()));
    java.util.List<CoSign> co = new java.util.ArrayList<>();
    n.path("co_sign").forEach(c -> co.add(new CoSign(AuthorityLevel.fromName(c.path("level").asText())
        .orElseThrow(() -> new IllegalArgumentException("unknown level " + c)), c.path("count").asInt())));
    return new AuthorityRequirement(n.path("route").asText(), levels, roles, n.path("min_signatures").asInt(),
        n.path("distinct").asBoolean(), co, java.time.Duration.ofSeconds(n.path("approval_ttl_seconds").asLong()),
        java.time.Duration.ofSeconds(n.path("decision_ttl_seconds").asLong()));
  }
}
