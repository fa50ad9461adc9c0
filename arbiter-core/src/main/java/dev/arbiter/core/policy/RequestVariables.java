package dev.arbiter.core.policy;

import dev.arbiter.core.decision.DecisionRequest;
import dev.arbiter.core.risk.RiskAssessment;
import java.util.HashMap;
import java.util.Map;

/** Binds a request (and, for gates, its risk) to the variable names of {@link PolicySchema}. */
final class RequestVariables {
  private RequestVariables() {}

  static Map<String, Object> of(DecisionRequest r) {
    Map<String, Object> v = HashMap.newHashMap(16);
    v.put("action.class", r.action().actionClass());
    v.put("action.tool", r.action().tool());
    v.put("action.intent", r.action().intent());
    v.put("action.target.type", r.action().target().type());
    v.put("action.target.id", r.action().target().id());
    v.put("action.payload", r.action().payload());
    v.put("context.actor.id", r.context().actorId().orElse(""));
    v.put("context.environment", r.context().environment().wireName());
    v.put("context.request_source", r.context().requestSource());
    v.put("context.scope", r.context().scope());
    v.put("context.blast_radius", r.context().blastRadius());
    v.put("context.reversible", r.context().reversible());
    return v;
  }

  static void addRisk(Map<String, Object> v, RiskAssessment risk) {
    v.put("risk.score", risk.score());
    v.put("risk.band", risk.band().wireName());
    v.put("risk.factors", risk.matchedFactorIds());
  }
}
