package dev.arbiter.core.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.core.decision.Outcome;
import dev.arbiter.core.risk.RiskBand;
import java.util.List;
import java.util.Optional;

/**
 * One table-driven policy test case: a request (DESIGN §3 shape) and what to expect. Only the
 * expectations written are checked.
 *
 * @param authority the expected fields of the authority requirement ({@code route}, {@code
 *     min_signatures}, {@code min_level}, {@code levels}, {@code roles}, {@code distinct}, {@code
 *     co_sign}); a JSON {@code null} expects that no approval is required
 * @param reasonsInclude substrings that must each appear in some reason
 */
public record PolicyCase(
    String name,
    JsonNode request,
    Optional<Outcome> outcome,
    Optional<RiskBand> band,
    Optional<JsonNode> authority,
    List<String> reasonsInclude) {}
