package dev.arbiter.core.risk;

import dev.arbiter.core.decision.Environment;
import dev.arbiter.core.policy.ConditionResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Scores a request with the bundle's weighted factors (rule in {@link RiskScore}). Every factor is
 * evaluated and reported; a factor whose condition fails to evaluate counts as matched with its full
 * weight (fail closed) and carries the error, and the evaluator then denies the decision.
 */
public record RiskModel(List<RiskFactor> factors, BandPolicy bands) {
  public RiskModel {
    factors = List.copyOf(factors);
  }

  public RiskAssessment assess(Map<String, ?> variables, Environment environment) {
    List<FactorContribution> out = new ArrayList<>(factors.size());
    double running = 0;
    for (RiskFactor f : factors) {
      ConditionResult r = f.condition().evaluate(variables);
      Optional<String> error =
          switch (r) {
            case ConditionResult.Holds h -> Optional.empty();
            case ConditionResult.DoesNotHold n -> Optional.empty();
            case ConditionResult.Failed failed -> Optional.of(failed.failure().message());
          };
      boolean matched = !(r instanceof ConditionResult.DoesNotHold);
      double before = running;
      if (matched) {
        running = RiskScore.combine(running, f.weight());
      }
      out.add(new FactorContribution(f.id(), matched, f.weight(), running - before, f.reason(), error));
    }
    double score = RiskScore.round(running);
    return new RiskAssessment(score, bands.thresholds(environment).band(score), out);
  }
}
