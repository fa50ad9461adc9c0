package dev.arbiter.core.policy;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelSourceLocation;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.types.CelKind;
import dev.cel.common.types.CelType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Refuses {@code ==}, {@code !=} and {@code in} on values whose type is only known at runtime
 * ({@code dyn}: everything read from {@code action.payload}).
 *
 * <p>Why: CEL's standard equality is heterogeneous. Values of different types are unequal, not an
 * error, so {@code action.payload.grantee == context.actor.id} is silently {@code false} when the
 * grantee arrives as {@code ["me"]} or {@code {"id": "me"}}, and a deny gate written that way is
 * skipped. Ordering operators ({@code <}, {@code >=}) raise "no matching overload" on a type
 * mismatch, which fails closed; equality does not, and cel-java has no option that makes it strict.
 * So the compiler demands that the author say which type the value must have: {@code
 * string(action.payload.grantee) == context.actor.id} raises an error for a list or a map, and an
 * error in any gate or risk factor denies (docs/policy.md "Comparing payload values").
 *
 * <p>The rule is on the checked types, not on the spelling: an operand of {@code ==}/{@code !=}
 * whose type is or contains {@code dyn} ({@code dyn}, {@code list(dyn)}, {@code map(string,
 * dyn)}) is refused; for {@code x in c} the element {@code x} is checked the same way, and so is
 * the container unless it is a map with a typed key ({@code "key" in action.payload} tests keys,
 * which are strings). {@code type(x) == bool} is allowed: types compare strictly.
 */
final class LooseComparisons {
  private LooseComparisons() {}

  static List<ConditionCompiler.Issue> find(CelAbstractSyntaxTree ast, String expression) {
    List<ConditionCompiler.Issue> out = new ArrayList<>();
    visit(ast, ast.getExpr(), expression, out);
    return out;
  }

  private static void visit(CelAbstractSyntaxTree ast, CelExpr e, String expression, List<ConditionCompiler.Issue> out) {
    switch (e.getKind()) {
      case CALL -> {
        CelExpr.CelCall call = e.call();
        check(ast, call, expression, out);
        call.target().ifPresent(t -> visit(ast, t, expression, out));
        call.args().forEach(a -> visit(ast, a, expression, out));
      }
      case SELECT -> visit(ast, e.select().operand(), expression, out);
      case LIST -> e.list().elements().forEach(x -> visit(ast, x, expression, out));
      case MAP -> e.map().entries().forEach(x -> {
        visit(ast, x.key(), expression, out);
        visit(ast, x.value(), expression, out);
      });
      case STRUCT -> e.struct().entries().forEach(x -> visit(ast, x.value(), expression, out));
      case COMPREHENSION -> {
        CelExpr.CelComprehension c = e.comprehension();
        for (CelExpr x : List.of(c.iterRange(), c.accuInit(), c.loopCondition(), c.loopStep(), c.result())) {
          visit(ast, x, expression, out);
        }
      }
      default -> { }
    }
  }

  private static void check(
      CelAbstractSyntaxTree ast, CelExpr.CelCall call, String expression, List<ConditionCompiler.Issue> out) {
    String op;
    List<CelExpr> loose = new ArrayList<>();
    switch (call.function()) {
      case "_==_", "_!=_" -> {
        op = call.function().equals("_==_") ? "==" : "!=";
        call.args().stream().filter(a -> containsDyn(type(ast, a))).forEach(loose::add);
      }
      case "@in" -> {
        op = "in";
        CelExpr element = call.args().get(0);
        CelExpr container = call.args().get(1);
        if (containsDyn(type(ast, element))) {
          loose.add(element);
        }
        CelType c = type(ast, container);
        boolean typedKeys = c.kind() == CelKind.MAP && !containsDyn(c.parameters().get(0));
        if (!typedKeys && containsDyn(c)) {
          loose.add(container);
        }
      }
      default -> {
        return;
      }
    }
    if (loose.isEmpty()) {
      return;
    }
    CelExpr operand = loose.get(0);
    int offset = startOffset(ast, operand);
    CelSourceLocation loc = ast.getSource().getOffsetLocation(offset).orElse(CelSourceLocation.of(1, 0));
    int line = Math.max(1, loc.getLine());
    int column = identifierStart(expression, line, Math.max(0, loc.getColumn()) + 1);
    String path = ConditionCompiler.dottedPathAt(expression, line, column);
    String what = path.isEmpty() ? "a value of type `" + type(ast, operand).name() + "`" : "`" + path + "`";
    String example = path.isEmpty() ? "action.payload.x" : path;
    out.add(
        new ConditionCompiler.Issue(
            line,
            column,
            Math.max(1, path.length()),
            "`" + op + "` on " + what + ", whose type is only known at runtime",
            Optional.of(
                "name its type: `string(" + example + ")` (or `int()`, `double()`, `bool()`) or `type("
                    + example + ") == bool`; across types `==` is false, not an error, so a list or a"
                    + " map would slip past, while a failed conversion denies")));
  }

  /**
   * The checker folds {@code action.payload} into one identifier positioned at its last dot; walk
   * back to where the dotted name starts so the span covers all of it.
   */
  private static int identifierStart(String expression, int line, int column) {
    String[] lines = expression.split("\n", -1);
    if (line > lines.length) {
      return column;
    }
    String text = lines[line - 1];
    int c = Math.min(column, text.length() + 1);
    while (c > 1 && (Character.isLetterOrDigit(text.charAt(c - 2)) || text.charAt(c - 2) == '_' || text.charAt(c - 2) == '.')) {
      c--;
    }
    return c;
  }

  private static CelType type(CelAbstractSyntaxTree ast, CelExpr e) {
    return ast.getType(e.id()).orElse(dev.cel.common.types.SimpleType.DYN);
  }

  /** {@code dyn} itself or any type built from it; {@code type(...)} values compare strictly. */
  private static boolean containsDyn(CelType t) {
    if (t.kind() == CelKind.TYPE) {
      return false;
    }
    if (t.kind() == CelKind.DYN || t.kind() == CelKind.ANY) {
      return true;
    }
    return t.parameters().stream().anyMatch(LooseComparisons::containsDyn);
  }

  /** The smallest source offset in the subtree: where the operand's text starts. */
  private static int startOffset(CelAbstractSyntaxTree ast, CelExpr e) {
    int[] min = {ast.getSource().getPositionsMap().getOrDefault(e.id(), Integer.MAX_VALUE)};
    visitIds(e, id -> min[0] = Math.min(min[0], ast.getSource().getPositionsMap().getOrDefault(id, Integer.MAX_VALUE)));
    return min[0] == Integer.MAX_VALUE ? 0 : min[0];
  }

  private static void visitIds(CelExpr e, java.util.function.LongConsumer f) {
    f.accept(e.id());
    switch (e.getKind()) {
      case CALL -> {
        e.call().target().ifPresent(t -> visitIds(t, f));
        e.call().args().forEach(a -> visitIds(a, f));
      }
      case SELECT -> visitIds(e.select().operand(), f);
      case LIST -> e.list().elements().forEach(x -> visitIds(x, f));
      case MAP -> e.map().entries().forEach(x -> {
        visitIds(x.key(), f);
        visitIds(x.value(), f);
      });
      default -> { }
    }
  }
}
