package dev.arbiter.core.policy;

import dev.arbiter.core.authority.AuthorityMap;
import dev.arbiter.core.decision.DecisionRequest;
import dev.arbiter.core.decision.Evaluation;
import dev.arbiter.core.risk.RiskModel;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compiled, immutable policy bundle: every condition parsed and type-checked once, ready to
 * evaluate many requests concurrently. Obtain one from {@link PolicyBundles}.
 */
public final class PolicyBundle {
  private final PolicyRef ref;
  private final BundleSource source;
  private final Map<String, ActionClassRule> actionClasses;
  private final List<Gate> gates;
  private final RiskModel riskModel;
  private final AuthorityMap authorityMap;
  private final Duration approvalTtl;
  private final Duration decisionTtl;

  PolicyBundle(
      PolicyRef ref,
      BundleSource source,
      Map<String, ActionClassRule> actionClasses,
      List<Gate> gates,
      RiskModel riskModel,
      AuthorityMap authorityMap,
      Duration approvalTtl,
      Duration decisionTtl) {
    this.ref = ref;
    this.source = source;
    this.actionClasses = Collections.unmodifiableMap(new LinkedHashMap<>(actionClasses));
    this.gates = List.copyOf(gates);
    this.riskModel = riskModel;
    this.authorityMap = authorityMap;
    this.approvalTtl = approvalTtl;
    this.decisionTtl = decisionTtl;
  }

  /** Evaluates one request; never throws for any normalised request (failures deny). */
  public Evaluation evaluate(DecisionRequest request) {
    return PolicyEvaluator.evaluate(this, request, dev.arbiter.core.secrets.SecretScanner.scan(request));
  }

  /**
   * {@link #evaluate(DecisionRequest)} for a caller that already scanned the request: {@code
   * findings} must be {@code SecretScanner.scan(request)} (the engine scans once, to redact what it
   * records, and hands the findings over rather than scanning every string a second time).
   */
  public Evaluation evaluate(DecisionRequest request, java.util.List<dev.arbiter.core.secrets.SecretFinding> findings) {
    return PolicyEvaluator.evaluate(this, request, findings);
  }

  /** The content address ({@code sha256:<hex>} of the canonical source) and version. */
  public PolicyRef ref() {
    return ref;
  }

  public String hash() {
    return ref.hash();
  }

  public String version() {
    return ref.version();
  }

  /** The exact source texts this bundle was compiled from. */
  public BundleSource source() {
    return source;
  }

  public Map<String, ActionClassRule> actionClasses() {
    return actionClasses;
  }

  public List<Gate> gates() {
    return gates;
  }

  public RiskModel riskModel() {
    return riskModel;
  }

  public AuthorityMap authorityMap() {
    return authorityMap;
  }

  /** Bundle-wide default approval TTL (routes may override). */
  public Duration approvalTtl() {
    return approvalTtl;
  }

  /** Bundle-wide default decision TTL (routes may override). */
  public Duration decisionTtl() {
    return decisionTtl;
  }

  /** One line: gates, risk factors, authority routes and hash. */
  public String summary() {
    return gates.size() + " gates, " + riskModel.factors().size() + " risk factors, "
        + authorityMap.routes().size() + " authority routes, version " + ref.version() + ", " + ref.hash();
  }
}
