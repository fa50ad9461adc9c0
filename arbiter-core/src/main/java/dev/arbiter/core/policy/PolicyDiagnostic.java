package dev.arbiter.core.policy;

import java.util.Optional;

/**
 * One error for a policy author, in Cedar's style: a lowercase {@code message} with user input in
 * backticks, a separate {@code hint}, and a location: the bundle {@code file}, the YAML position,
 * the {@code subject} (e.g. {@code gate `prod-deploy`}) and field, and for expressions the span
 * inside the expression.
 */
public record PolicyDiagnostic(
    String file,
    int line,
    int column,
    String subject,
    String field,
    String message,
    Optional<String> hint,
    Optional<ExpressionSpan> span) {

  /**
   * Renders the diagnostic for a terminal:
   *
   * <pre>
   * error: unknown field `risk.scroe`
   *   --> gates.yaml:12:11: gate `deploy-risky`, `when` at 1:1
   *    |
   *  1 | risk.scroe > 0.5
   *    | ^^^^^^^^^^
   *    = hint: did you mean `risk.score`?
   * </pre>
   */
  public String render() {
    StringBuilder sb = new StringBuilder("error: ").append(message).append('\n');
    sb.append("  --> ").append(file).append(':').append(line).append(':').append(column);
    if (!subject.isEmpty()) {
      sb.append(": ").append(subject);
    }
    if (!field.isEmpty()) {
      sb.append(subject.isEmpty() ? ": " : ", ").append('`').append(field).append('`');
    }
    span.ifPresent(s -> sb.append(" at ").append(s.line()).append(':').append(s.column()));
    sb.append('\n');
    span.ifPresent(
        s -> {
          String[] lines = s.expression().split("\n", -1);
          String text = s.line() - 1 < lines.length ? lines[s.line() - 1] : "";
          String num = Integer.toString(s.line());
          String pad = " ".repeat(num.length());
          sb.append(' ').append(pad).append(" |\n");
          sb.append(' ').append(num).append(" | ").append(text).append('\n');
          sb.append(' ').append(pad).append(" | ")
              .append(" ".repeat(Math.max(0, s.column() - 1)))
              .append("^".repeat(Math.max(1, s.length())))
              .append('\n');
        });
    hint.ifPresent(h -> sb.append("   = hint: ").append(h).append('\n'));
    return sb.toString();
  }
}
