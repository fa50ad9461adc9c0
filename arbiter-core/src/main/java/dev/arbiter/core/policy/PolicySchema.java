package dev.arbiter.core.policy;

import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The typed variables a policy expression may read (docs/policy.md, "Request variables"). Each is
 * declared to CEL under its dotted name, so the type checker rejects a misspelt field at {@code
 * policy check} time. Risk factors see the request variables; gates also see {@code risk.*}, since
 * risk is scored before gates run.
 */
public final class PolicySchema {
  private static final Map<String, CelType> REQUEST = new LinkedHashMap<>();
  private static final Map<String, CelType> RISK = new LinkedHashMap<>();

  static {
    REQUEST.put("action.class", SimpleType.STRING);
    REQUEST.put("action.tool", SimpleType.STRING);
    REQUEST.put("action.intent", SimpleType.STRING);
    REQUEST.put("action.target.type", SimpleType.STRING);
    REQUEST.put("action.target.id", SimpleType.STRING);
    REQUEST.put("action.payload", MapType.create(SimpleType.STRING, SimpleType.DYN));
    REQUEST.put("context.actor.id", SimpleType.STRING);
    REQUEST.put("context.environment", SimpleType.STRING);
    REQUEST.put("context.request_source", SimpleType.STRING);
    REQUEST.put("context.scope", SimpleType.STRING);
    REQUEST.put("context.blast_radius", SimpleType.INT);
    REQUEST.put("context.reversible", SimpleType.BOOL);
    RISK.put("risk.score", SimpleType.DOUBLE);
    RISK.put("risk.band", SimpleType.STRING);
    RISK.put("risk.factors", ListType.create(SimpleType.STRING));
  }

  private PolicySchema() {}

  /** Variables visible to risk factor conditions. */
  public static Map<String, CelType> requestVariables() {
    return java.util.Collections.unmodifiableMap(REQUEST);
  }

  /** Variables computed by risk scoring, visible to gates only. */
  public static Map<String, CelType> riskVariables() {
    return java.util.Collections.unmodifiableMap(RISK);
  }
}
