package dev.arbiter.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.core.decision.DecisionRequest;
import dev.arbiter.core.decision.DecisionRequests;
import dev.arbiter.core.decision.Evaluation;
import dev.arbiter.core.decision.Outcome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CEL's {@code ==}, {@code !=} and {@code in} are false, not an error, across types; on payload
 * values ({@code dyn}) the compiler refuses them unless the author names a type, so every such gate
 * fails closed (docs/policy.md "Comparing payload values").
 */
class PayloadComparisonTest {
  @TempDir Path dir;

  private static DecisionRequest request(String payload) throws Exception {
    return DecisionRequests.parse(
        ("{\"action\":{\"class\":\"deploy\",\"tool\":\"deployer\",\"intent\":\"i\","
                + "\"target\":{\"type\":\"iam_role\",\"id\":\"admin\"},\"payload\":" + payload + "},"
                + "\"context\":{\"actor\":{\"id\":\"agent_1\"},\"environment\":\"dev\"}}")
            .getBytes(StandardCharsets.UTF_8));
  }

  private static String gate(String when, String effect) {
    return "gates:\n  - id: g\n    when: '" + when.replace("'", "''") + "'\n    effect: " + effect + "\n    reason: r\n"
        + (effect.equals("allow") ? "" : "  - {id: ok, when: \"true\", effect: allow, reason: fine}\n");
  }

  private List<PolicyDiagnostic> diagnostics(String when) {
    assertThatThrownBy(() -> TestBundles.withGates(dir, gate(when, "deny")))
        .isInstanceOf(PolicyCompilationException.class);
    try {
      TestBundles.withGates(dir, gate(when, "deny"));
    } catch (PolicyCompilationException e) {
      return e.diagnostics();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("compiled");
  }

  @Test
  void check_whenGateComparesPayloadValueWithEquals_pinsMessageSpanAndHint() {
    List<PolicyDiagnostic> d = diagnostics("action.payload.grantee == context.actor.id");

    assertThat(d).singleElement().satisfies(diag -> {
      assertThat(diag.message()).isEqualTo("`==` on `action.payload.grantee`, whose type is only known at runtime");
      assertThat(diag.hint()).get().asString()
          .contains("`string(action.payload.grantee)`")
          .contains("`type(action.payload.grantee) == bool`");
      assertThat(diag.span()).get().extracting(ExpressionSpan::line, ExpressionSpan::column, ExpressionSpan::length)
          .containsExactly(1, 1, "action.payload.grantee".length());
    });
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "action.payload.flag != true",
        "context.actor.id == action.payload.grantee",
        "action.payload.op in [\"drop_table\", \"truncate\"]",
        "\"admin\" in action.payload.roles",
        "[action.payload.x] == [\"a\"]",
        "action.payload == {\"a\": \"b\"}",
        "action.payload.a == action.payload.b",
        "action.payload.x == null",
      })
  void check_whenComparisonHasAnUntypedPayloadOperand_isRefused(String when) {
    assertThat(diagnostics(when)).singleElement().extracting(PolicyDiagnostic::message).asString()
        .contains("whose type is only known at runtime");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "string(action.payload.grantee) == context.actor.id",
        "bool(action.payload.flag) != true",
        "string(action.payload.op) in [\"drop_table\", \"truncate\"]",
        "\"change_ticket\" in action.payload",
        "type(action.payload.flag) == bool && action.payload.flag",
        "type(action.payload.flag) != bool || action.payload.flag",
        "action.payload.amount >= 10000",
        "int(action.payload.n) == 3 && double(action.payload.d) == 1.5",
        "size(action.payload) == 0",
        "type(action.payload.x) == null_type",
      })
  void check_whenPayloadValueHasANamedType_compiles(String when) throws Exception {
    TestBundles.withGates(dir, gate(when, "deny"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"grantee\":[\"agent_1\"]}",
        "{\"grantee\":{\"id\":\"agent_1\"}}",
        "{\"grantee\":\"agent_1\"}",
      })
  void evaluate_whenConvertedDenyGateMeetsAnotherType_denies(String payload) throws Exception {
    PolicyBundle bundle =
        TestBundles.withGates(dir, gate("string(action.payload.grantee) == context.actor.id", "deny"));

    Evaluation e = bundle.evaluate(request(payload));

    assertThat(e.outcome()).isEqualTo(Outcome.DENY);
  }

  @Test
  void evaluate_whenConvertedDenyGateMeetsOtherGrantee_allows() throws Exception {
    PolicyBundle bundle =
        TestBundles.withGates(dir, gate("string(action.payload.grantee) == context.actor.id", "deny"));

    assertThat(bundle.evaluate(request("{\"grantee\":\"agent_2\"}")).outcome()).isEqualTo(Outcome.ALLOW);
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"tier\":[\"gold\"]}", "{\"tier\":{\"gold\":1}}"})
  void evaluate_whenConvertedAllowGateMeetsAList_deniesWithTheError(String payload) throws Exception {
    PolicyBundle bundle = TestBundles.withGates(dir, gate("string(action.payload.tier) == \"gold\"", "allow"));

    Evaluation e = bundle.evaluate(request(payload));

    assertThat(e.outcome()).isEqualTo(Outcome.DENY);
    assertThat(e.gates()).singleElement().extracting(GateResult::status).isEqualTo(GateResult.Status.ERROR);
    assertThat(bundle.evaluate(request("{\"tier\":\"gold\"}")).outcome()).isEqualTo(Outcome.ALLOW);
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"flag\":1}", "{\"flag\":[true]}", "{\"flag\":\"yes\"}"})
  void evaluate_whenBoolConversionFails_denies(String payload) throws Exception {
    PolicyBundle bundle = TestBundles.withGates(dir, gate("bool(action.payload.flag) == true", "deny"));

    Evaluation e = bundle.evaluate(request(payload));

    assertThat(e.outcome()).isEqualTo(Outcome.DENY);
    assertThat(e.gates().get(0).status()).isEqualTo(GateResult.Status.ERROR);
  }
}
