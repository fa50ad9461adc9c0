package dev.arbiter.core.policy;

import dev.arbiter.core.decision.Evaluation;
import java.util.List;
import java.util.Optional;

/**
 * The result of one {@link PolicyCase}: the mismatches (empty when it passed) and the evaluation,
 * absent when the request itself was invalid (which is a mismatch too).
 */
public record CaseResult(String name, List<Mismatch> mismatches, Optional<Evaluation> evaluation) {
  /** One expectation that did not hold. */
  public record Mismatch(String field, String expected, String actual) {}

  public boolean passed() {
    return mismatches.isEmpty();
  }

  /** A readable expected-vs-actual diff, one block per mismatched field. */
  public String diff() {
    StringBuilder sb = new StringBuilder();
    for (Mismatch m : mismatches) {
      sb.append("    ").append(m.field()).append('\n');
      sb.append("      - expected: ").append(m.expected()).append('\n');
      sb.append("      + actual:   ").append(m.actual()).append('\n');
    }
    evaluation.ifPresent(e -> {
      sb.append("    why: ").append(e.outcome().wireName()).append(", risk ")
          .append(e.risk().score()).append(" (").append(e.risk().band().wireName()).append(")");
      if (!e.reasons().isEmpty()) {
        sb.append(": ").append(String.join("; ", e.reasons()));
      }
      sb.append('\n');
    });
    return sb.toString();
  }
}
