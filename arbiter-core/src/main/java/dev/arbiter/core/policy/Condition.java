package dev.arbiter.core.policy;

import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelVariableResolver;
import java.util.Map;
import java.util.Optional;

/**
 * A CEL boolean expression, parsed and type-checked once when its bundle is compiled, evaluated
 * many times. Thread-safe: the compiled program is immutable.
 */
public final class Condition {
  private final String source;
  private final CelRuntime.Program program;

  Condition(String source, CelRuntime.Program program) {
    this.source = source;
    this.program = program;
  }

  /** The expression as written by the policy author. */
  public String source() {
    return source;
  }

  /** Evaluates against variables named as in {@link PolicySchema}. Never throws. */
  public ConditionResult evaluate(Map<String, ?> variables) {
    Object value;
    try {
      // A resolver over the caller's map: no per-condition copy of the variables.
      value = program.eval((CelVariableResolver) name -> Optional.ofNullable(variables.get(name)));
    } catch (CelEvaluationException e) {
      return new ConditionResult.Failed(new EvaluationFailure.RuntimeError(clean(e.getMessage())));
    } catch (RuntimeException e) {
      // A defect inside the interpreter must still fail closed.
      return new ConditionResult.Failed(
          new EvaluationFailure.RuntimeError("internal evaluation error: " + e));
    }
    if (value instanceof Boolean b) {
      return b ? ConditionResult.HOLDS : ConditionResult.DOES_NOT_HOLD;
    }
    return new ConditionResult.Failed(
        new EvaluationFailure.NotBoolean(value == null ? "null" : value.getClass().getSimpleName()));
  }

  /** Turns CEL's "evaluation error at <input>:14: key 'amount' is not present in map." into Cedar style. */
  static String clean(String message) {
    String m = message == null ? "evaluation error" : message;
    String offset = "";
    var matcher = java.util.regex.Pattern.compile("^evaluation error at <input>:(\\d+): ").matcher(m);
    if (matcher.find()) {
      offset = " (at offset " + matcher.group(1) + ")";
      m = m.substring(matcher.end());
    } else if (m.startsWith("evaluation error: ")) {
      m = m.substring("evaluation error: ".length());
    }
    m = m.replaceAll("'([^']*)'", "`$1`");
    if (m.endsWith(".")) {
      m = m.substring(0, m.length() - 1);
    }
    if (!m.isEmpty()) {
      m = Character.toLowerCase(m.charAt(0)) + m.substring(1);
    }
    return m + offset;
  }
}
