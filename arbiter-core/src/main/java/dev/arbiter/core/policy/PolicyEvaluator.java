package dev.arbiter.core.policy;

import dev.arbiter.core.authority.AuthorityRequirement;
import dev.arbiter.core.authority.AuthorityRoute;
import dev.arbiter.core.decision.DecisionRequest;
import dev.arbiter.core.decision.Evaluation;
import dev.arbiter.core.decision.Outcome;
import dev.arbiter.core.risk.FactorContribution;
import dev.arbiter.core.risk.RiskAssessment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Evaluates a request against a compiled bundle. The order, and how results combine, is the
 * contract of docs/policy.md "Evaluation":
 *
 * <ol>
 *   <li>preconditions: a missing actor, a secret in the payload or intent ({@link
 *       dev.arbiter.core.secrets.SecretScanner}), an action class the bundle does not allow, or a
 *       tool the class does not allow each add a deny reason;
 *   <li>risk: every factor, then score and band (a factor that fails to evaluate denies);
 *   <li>gates, in order, all of them, each recorded; they may read {@code risk.*}. A gate that fails
 *       to evaluate denies (fail closed, never a skip);
 *   <li>authority routing on (band, class, environment); no route denies.
 * </ol>
 *
 * Combination: any deny reason → {@code deny}; else approval needed (a matched {@code
 * require_approval} gate, or a route with {@code min_signatures > 0}) → {@code pending_authority}
 * with the route's requirement (when a gate required approval, routes naming no approvers are
 * skipped; if none is left, deny);
 * else a matched {@code allow} gate → {@code allow}; else {@code deny} (default deny).
 */
final class PolicyEvaluator {
  private PolicyEvaluator() {}

  static Evaluation evaluate(PolicyBundle bundle, DecisionRequest sent, List<dev.arbiter.core.secrets.SecretFinding> findings) {
    List<String> denies = new ArrayList<>();
    if (sent.context().actorId().isEmpty()) {
      denies.add("missing `context.actor.id`: every action needs an accountable actor");
    }
    for (dev.arbiter.core.secrets.SecretFinding f : findings) {
      denies.add("secret in the request at `" + f.path() + "` (" + f.detector()
          + "): never send credentials through Arbiter; refer to them by name instead");
    }
    // Everything below reads the redacted request: reasons quote the tool and class, and gates and
    // factors may quote what they read; none of it may carry the secret into the answer or the ledger.
    DecisionRequest request = dev.arbiter.core.secrets.SecretScanner.redact(sent, findings);
    String cls = request.action().actionClass();
    ActionClassRule rule = bundle.actionClasses().get(cls);
    if (rule == null) {
      denies.add("unknown action class `" + cls + "`: this policy does not allow it");
    } else if (!rule.allowsTool(request.action().tool())) {
      denies.add("tool `" + request.action().tool() + "` is not allowed for action class `" + cls + "`");
    }

    Map<String, Object> vars = RequestVariables.of(request);
    RiskAssessment risk = bundle.riskModel().assess(vars, request.context().environment());
    for (FactorContribution f : risk.factors()) {
      f.error().ifPresent(e -> denies.add("risk factor `" + f.id() + "` failed to evaluate (fail closed): " + e));
    }
    RequestVariables.addRisk(vars, risk);

    List<GateResult> gates = new ArrayList<>(bundle.gates().size());
    List<String> approvals = new ArrayList<>();
    List<String> allows = new ArrayList<>();
    for (Gate g : bundle.gates()) {
      GateResult result = run(g, vars);
      gates.add(result);
      switch (result.status()) {
        case ERROR -> denies.add("gate `" + g.id() + "` failed to evaluate (fail closed): " + result.error().orElse(""));
        case NOT_MATCHED -> { }
        case MATCHED -> {
          switch (g.effect()) {
            case DENY -> denies.add(g.reason());
            case REQUIRE_APPROVAL -> approvals.add(g.reason());
            case ALLOW -> allows.add(g.reason());
          }
        }
      }
    }

    Optional<AuthorityRoute> route =
        bundle.authorityMap().route(risk.band(), cls, request.context().environment(), !approvals.isEmpty());
    Optional<AuthorityRequirement> requirement = route.map(AuthorityRoute::requirement);
    Optional<AuthorityRequirement> none = Optional.empty();
    PolicyRef ref = bundle.ref();
    if (!denies.isEmpty()) {
      return new Evaluation(Outcome.DENY, denies, gates, risk, none, ref);
    }
    if (route.isEmpty()) {
      return new Evaluation(Outcome.DENY, List.of("no authority route" + (approvals.isEmpty() ? "" : " with approvers")
          + " for band `" + risk.band().wireName()
          + "`, action class `" + cls + "`, environment `" + request.context().environment().wireName() + "`"),
          gates, risk, none, ref);
    }
    AuthorityRequirement req = route.get().requirement();
    if (req.requiresApproval()) {
      List<String> reasons = new ArrayList<>(approvals);
      if (reasons.isEmpty()) {
        reasons.add("authority route `" + req.route() + "` requires " + req.minSignatures()
            + " approval(s) for `" + risk.band().wireName() + "` risk");
      }
      return new Evaluation(Outcome.PENDING_AUTHORITY, reasons, gates, risk, requirement, ref);
    }
    if (!allows.isEmpty()) {
      return new Evaluation(Outcome.ALLOW, allows, gates, risk, requirement, ref);
    }
    return new Evaluation(Outcome.DENY, List.of("no gate allows action class `" + cls + "` here (default deny)"),
        gates, risk, none, ref);
  }

  private static GateResult run(Gate g, Map<String, Object> vars) {
    ConditionResult r = g.condition().evaluate(vars);
    return switch (r) {
      case ConditionResult.Holds h -> new GateResult(g.id(), g.effect(), GateResult.Status.MATCHED, g.reason(), Optional.empty());
      case ConditionResult.DoesNotHold n -> new GateResult(g.id(), g.effect(), GateResult.Status.NOT_MATCHED, g.reason(), Optional.empty());
      case ConditionResult.Failed f -> new GateResult(g.id(), g.effect(), GateResult.Status.ERROR, g.reason(), Optional.of(f.failure().message()));
    };
  }
}
