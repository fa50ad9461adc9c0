package dev.arbiter.core.risk;

import java.util.Optional;

/**
 * One risk factor's part in a score.
 *
 * @param matched whether the factor's condition held (a failed condition counts as matched: fail
 *     closed)
 * @param contribution how much the score rose because of this factor, in factor order
 * @param error the evaluation error, when the condition failed to evaluate
 */
public record FactorContribution(
    String id, boolean matched, double weight, double contribution, String reason, Optional<String> error) {}
