package dev.arbiter.core.decision;

import java.util.Map;
import java.util.Objects;

/**
 * The proposed action of a {@link DecisionRequest}.
 *
 * @param actionClass the action class ({@code read}, {@code deploy}, ...); always present
 * @param tool the registered tool that would execute it; empty when the request names none
 * @param intent free text from the proposer; empty when absent
 * @param payload the action's arguments as CEL-ready values (String, Long, Double, Boolean, List,
 *     Map, null), deeply immutable
 */
public record Action(
    String actionClass, String tool, String intent, Target target, Map<String, Object> payload) {
  public Action {
    Objects.requireNonNull(actionClass, "actionClass");
    Objects.requireNonNull(tool, "tool");
    Objects.requireNonNull(intent, "intent");
    Objects.requireNonNull(target, "target");
    payload = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(payload));
  }
}
