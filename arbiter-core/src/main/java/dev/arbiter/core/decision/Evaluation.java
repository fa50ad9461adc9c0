package dev.arbiter.core.decision;

import dev.arbiter.core.authority.AuthorityRequirement;
import dev.arbiter.core.policy.GateResult;
import dev.arbiter.core.policy.PolicyRef;
import dev.arbiter.core.risk.RiskAssessment;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The immutable result of evaluating one {@link DecisionRequest} against one policy bundle:
 * everything the engine needs for the ledger trail ({@code policy.gate} per gate, {@code
 * risk.scored}, {@code authority.required}, {@code decision.evaluated}).
 *
 * @param outcome {@code allow}, {@code deny} or {@code pending_authority}; never {@code queue}
 * @param reasons why, in order: deny reasons for a deny, the approval reasons for pending
 *     authority, the allowing gates' reasons for an allow
 * @param gates every gate's result, in bundle order
 * @param authority the requirement the decision is subject to: present for {@code allow} (the
 *     auto-allow route, {@code min_signatures} 0) and {@code pending_authority}; empty for {@code
 *     deny}, so that nobody collects approvals for a denied decision
 * @param policy the bundle hash and version this evaluation is pinned to
 */
public record Evaluation(
    Outcome outcome,
    List<String> reasons,
    List<GateResult> gates,
    RiskAssessment risk,
    Optional<AuthorityRequirement> authority,
    PolicyRef policy) {
  public Evaluation {
    Objects.requireNonNull(outcome, "outcome");
    if (outcome == Outcome.QUEUE) {
      throw new IllegalArgumentException("policy evaluation never yields `queue`");
    }
    if (outcome == Outcome.PENDING_AUTHORITY
        && authority.map(a -> !a.requiresApproval()).orElse(true)) {
      throw new IllegalArgumentException("pending_authority needs a requirement with signatures");
    }
    if (outcome == Outcome.DENY && authority.isPresent()) {
      throw new IllegalArgumentException("a denied evaluation carries no authority requirement");
    }
    reasons = List.copyOf(reasons);
    gates = List.copyOf(gates);
    Objects.requireNonNull(risk, "risk");
    Objects.requireNonNull(authority, "authority");
    Objects.requireNonNull(policy, "policy");
  }
}
