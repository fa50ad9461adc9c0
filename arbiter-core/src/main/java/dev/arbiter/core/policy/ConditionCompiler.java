package dev.arbiter.core.policy;

import dev.arbiter.core.policy.internal.Suggestions;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelBuilder;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelIssue;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.CelKind;
import dev.cel.common.types.CelType;
import dev.cel.runtime.CelEvaluationException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and type-checks CEL conditions against {@link PolicySchema}, once per bundle load. Two
 * environments: risk factors see the request variables; gates also see {@code risk.*}.
 *
 * <p>Uses CEL's planner runtime and heterogeneous numeric comparisons ({@code 1 < 1.5} is true), so
 * payload numbers compare naturally whatever their JSON spelling. Equality on payload values
 * ({@code dyn}) must name a type ({@link LooseComparisons}), since CEL's {@code ==} across types is
 * {@code false} rather than an error.
 */
final class ConditionCompiler {
  /** Where a condition is evaluated; decides which variables it may read. */
  enum Scope {
    RISK_FACTOR,
    GATE
  }

  /** A problem in one expression, positioned inside the expression text (1-based). */
  record Issue(int line, int column, int length, String message, Optional<String> hint) {}

  /** Either a compiled condition or the issues that prevent it. */
  record Result(Optional<Condition> condition, List<Issue> issues) {}

  private static final Pattern UNDECLARED =
      Pattern.compile("^undeclared reference to '([^']*)'.*");
  private static final String OPTIONAL_KEY_HINT =
      "test for an optional payload key with `\"key\" in action.payload`";
  private static final CelOptions OPTIONS =
      CelOptions.current().enableHeterogeneousNumericComparisons(true).build();

  private final Cel riskCel = build(PolicySchema.requestVariables());
  private final Cel gateCel = build(merged());

  private static Map<String, CelType> merged() {
    Map<String, CelType> all = new LinkedHashMap<>(PolicySchema.requestVariables());
    all.putAll(PolicySchema.riskVariables());
    return all;
  }

  private static Cel build(Map<String, CelType> vars) {
    CelBuilder b = CelFactory.plannerCelBuilder().setOptions(OPTIONS);
    vars.forEach(b::addVar);
    return b.build();
  }

  Result compile(String expression, Scope scope) {
    Cel cel = scope == Scope.GATE ? gateCel : riskCel;
    CelAbstractSyntaxTree ast;
    try {
      ast = cel.compile(expression).getAst();
    } catch (CelValidationException e) {
      List<Issue> issues = new ArrayList<>();
      for (CelIssue issue : e.getErrors()) {
        issues.add(describe(expression, issue, scope));
      }
      return new Result(Optional.empty(), issues);
    }
    List<Issue> loose = LooseComparisons.find(ast, expression);
    if (!loose.isEmpty()) {
      return new Result(Optional.empty(), loose);
    }
    CelType type = ast.getResultType();
    if (type.kind() != CelKind.BOOL && type.kind() != CelKind.DYN) {
      return new Result(
          Optional.empty(),
          List.of(
              new Issue(
                  1,
                  1,
                  Math.max(1, expression.strip().length()),
                  "condition has type `" + type.name() + "`, want `bool`",
                  Optional.of("compare the value, e.g. `... == \"x\"` or `... > 0`"))));
    }
    try {
      return new Result(Optional.of(new Condition(expression, cel.createProgram(ast))), List.of());
    } catch (CelEvaluationException e) {
      return new Result(
          Optional.empty(),
          List.of(new Issue(1, 1, 1, Condition.clean(e.getMessage()), Optional.empty())));
    }
  }

  private static Issue describe(String expression, CelIssue issue, Scope scope) {
    int line = Math.max(1, issue.getSourceLocation().getLine());
    int column = Math.max(0, issue.getSourceLocation().getColumn()) + 1;
    String msg = issue.getMessage();
    Matcher m = UNDECLARED.matcher(msg);
    if (m.matches()) {
      String path = dottedPathAt(expression, line, column);
      if (path.isEmpty()) {
        // An unknown function: CEL positions it at the `(`; point at the name instead.
        path = m.group(1);
        column = nameStartBefore(expression, line, column, path);
      }
      if (path.equals("has")) {
        return new Issue(line, column, path.length(), "`has()` is not available in policy conditions",
            Optional.of(OPTIONAL_KEY_HINT));
      }
      return unknownName(path, line, column, scope);
    }
    int candidates = msg.indexOf(" (candidates:");
    if (msg.startsWith("found no matching overload") && candidates > 0) {
      return new Issue(line, column, 1, cedarStyle(msg.substring(0, candidates)),
          Optional.of("operand types must match; convert with `int()`, `double()` or `string()`"));
    }
    return new Issue(line, column, 1, cedarStyle(msg), Optional.empty());
  }

  private static Issue unknownName(String path, int line, int column, Scope scope) {
    Set<String> visible =
        scope == Scope.GATE ? merged().keySet() : PolicySchema.requestVariables().keySet();
    if (scope == Scope.RISK_FACTOR && PolicySchema.riskVariables().containsKey(path)) {
      return new Issue(
          line,
          column,
          path.length(),
          "`" + path + "` is not available in risk factors",
          Optional.of("risk is scored from the factors; read `risk.*` in gates instead"));
    }
    if (visible.contains(path)) {
      return new Issue(
          line,
          column,
          path.length(),
          "`" + path + "` cannot be used here",
          Optional.of("request fields always have a value (missing ones take their documented defaults); "
              + OPTIONAL_KEY_HINT));
    }
    String root = path.contains(".") ? path.substring(0, path.indexOf('.')) : path;
    boolean knownRoot = visible.stream().anyMatch(v -> v.startsWith(root + "."));
    String message = (knownRoot ? "unknown field `" : "unknown variable `") + path + "`";
    Optional<String> hint = Suggestions.closest(path, visible).map(s -> "did you mean `" + s + "`?");
    if (hint.isEmpty()) {
      List<String> fields = visible.stream().filter(v -> v.startsWith(root + ".")).toList();
      hint =
          Optional.of(
              fields.isEmpty()
                  ? "the variables are `action.*`, `context.*`"
                      + (scope == Scope.GATE ? " and `risk.*`" : "")
                  : "the fields of `" + root + "` are " + String.join(", ", fields.stream().map(f -> "`" + f + "`").toList()));
    }
    return new Issue(line, column, path.length(), message, hint);
  }

  /** The 1-based column where {@code name} starts if it ends right before {@code column}. */
  private static int nameStartBefore(String expression, int line, int column, String name) {
    String[] lines = expression.split("\n", -1);
    if (line > lines.length) {
      return column;
    }
    String before = lines[line - 1].substring(0, Math.min(column - 1, lines[line - 1].length())).stripTrailing();
    return before.endsWith(name) ? before.length() - name.length() + 1 : column;
  }

  /** The longest identifier path ({@code a.b.c}) starting at the 1-based line and column. */
  static String dottedPathAt(String expression, int line, int column) {
    String[] lines = expression.split("\n", -1);
    if (line > lines.length) {
      return "";
    }
    String text = lines[line - 1];
    int i = column - 1;
    int end = i;
    while (end < text.length()
        && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_' || text.charAt(end) == '.')) {
      end++;
    }
    String path = i < text.length() ? text.substring(i, end) : "";
    while (path.endsWith(".")) {
      path = path.substring(0, path.length() - 1);
    }
    return path;
  }

  private static String cedarStyle(String message) {
    String m = message.replace(" (in container '')", "").replaceAll("'([^']*)'", "`$1`");
    return m.isEmpty() ? m : Character.toLowerCase(m.charAt(0)) + m.substring(1);
  }
}
