package dev.arbiter.core.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.core.decision.DecisionRequest;
import dev.arbiter.core.decision.DecisionRequests;
import dev.arbiter.core.decision.Evaluation;
import dev.arbiter.core.decision.Outcome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A condition that cannot be evaluated denies; it is never skipped (STYLE 12). */
class FailClosedTest {
  @TempDir Path dir;

  private static DecisionRequest request(String payload) throws Exception {
    return DecisionRequests.parse(
        ("{\"action\":{\"class\":\"transfer\",\"tool\":\"payments-api\",\"intent\":\"i\","
                + "\"target\":{\"type\":\"account\",\"id\":\"a1\"},\"payload\":" + payload + "},"
                + "\"context\":{\"actor\":{\"id\":\"agent_1\"},\"environment\":\"dev\"}}")
            .getBytes(StandardCharsets.UTF_8));
  }

  private static final String GATES =
      """
      gates:
        - id: too-large
          when: action.payload.amount > 1000
          effect: deny
          reason: too large
        - id: everything
          when: "true"
          effect: allow
          reason: allowed
      """;

  @Test
  void evaluate_whenGateReadsMissingPayloadField_deniesAndRecordsError() throws Exception {
    PolicyBundle bundle = TestBundles.withGates(dir, GATES);

    Evaluation e = bundle.evaluate(request("{}"));

    assertThat(e.outcome()).isEqualTo(Outcome.DENY);
    GateResult gate = e.gates().get(0);
    assertThat(gate.status()).isEqualTo(GateResult.Status.ERROR);
    assertThat(gate.denies()).isTrue();
    assertThat(gate.error()).get().asString().contains("key `amount` is not present in map");
    assertThat(e.reasons()).singleElement().asString()
        .startsWith("gate `too-large` failed to evaluate (fail closed): key `amount` is not present in map");
    assertThat(e.gates().get(1).status()).isEqualTo(GateResult.Status.MATCHED);
  }

  @Test
  void evaluate_whenGateHitsTypeError_denies() throws Exception {
    PolicyBundle bundle = TestBundles.withGates(dir, GATES);

    Evaluation e = bundle.evaluate(request("{\"amount\":\"lots\"}"));

    assertThat(e.outcome()).isEqualTo(Outcome.DENY);
    assertThat(e.gates().get(0).status()).isEqualTo(GateResult.Status.ERROR);
    assertThat(e.gates().get(0).error()).get().asString().contains("no matching overload");
  }

  @Test
  void evaluate_whenFieldPresent_sameBundleAllows() throws Exception {
    PolicyBundle bundle = TestBundles.withGates(dir, GATES);

    assertThat(bundle.evaluate(request("{\"amount\":10}")).outcome()).isEqualTo(Outcome.ALLOW);
    assertThat(bundle.evaluate(request("{\"amount\":10.5}")).outcome()).isEqualTo(Outcome.ALLOW);
    assertThat(bundle.evaluate(request("{\"amount\":1000.5}")).outcome()).isEqualTo(Outcome.DENY);
  }

  @Test
  void evaluate_whenAllowGateErrors_deniesRatherThanSkipping() throws Exception {
    PolicyBundle bundle =
        TestBundles.withGates(
            dir,
            """
            gates:
              - id: allow-small
                when: action.payload.amount < 10
                effect: allow
                reason: small
            """);

    Evaluation e = bundle.evaluate(request("{}"));

    assertThat(e.outcome()).isEqualTo(Outcome.DENY);
    assertThat(e.gates()).singleElement().extracting(GateResult::status).isEqualTo(GateResult.Status.ERROR);
  }

  @Test
  void evaluate_whenDynConditionIsNotBoolean_denies() throws Exception {
    PolicyBundle bundle =
        TestBundles.withGates(
            dir,
            """
            gates:
              - id: flag
                when: action.payload.flag
                effect: allow
                reason: flagged
            """);

    Evaluation e = bundle.evaluate(request("{\"flag\":\"yes\"}"));

    assertThat(e.outcome()).isEqualTo(Outcome.DENY);
    assertThat(e.gates().get(0).error()).contains("condition produced String, want bool");
    assertThat(bundle.evaluate(request("{\"flag\":true}")).outcome()).isEqualTo(Outcome.ALLOW);
  }

  @Test
  void evaluate_whenRiskFactorErrors_countsFullWeightAndDenies() throws Exception {
    TestBundles.write(
        dir,
        Map.of(
            "bundle.yaml", TestBundles.BUNDLE_YAML,
            "gates.yaml", GATES.replace("action.payload.amount > 1000", "false"),
            "risk.yaml", "factors:\n  - {id: big, when: action.payload.amount > 5, weight: 0.3, reason: big}\n",
            "authority.yaml", TestBundles.AUTO_ROUTES));
    PolicyBundle bundle = PolicyBundles.loadDirectory(dir);

    Evaluation e = bundle.evaluate(request("{}"));

    assertThat(e.outcome()).isEqualTo(Outcome.DENY);
    assertThat(e.risk().score()).isEqualTo(0.3);
    assertThat(e.risk().factors()).singleElement().satisfies(f -> {
      assertThat(f.matched()).isTrue();
      assertThat(f.error()).isPresent();
    });
    assertThat(e.reasons()).singleElement().asString().startsWith("risk factor `big` failed to evaluate (fail closed)");
  }

  @Test
  void evaluate_whenNoGateAllows_deniesByDefault() throws Exception {
    PolicyBundle bundle = TestBundles.withGates(dir, "gates: []\n");

    Evaluation e = bundle.evaluate(request("{}"));

    assertThat(e.outcome()).isEqualTo(Outcome.DENY);
    assertThat(e.reasons()).containsExactly("no gate allows action class `transfer` here (default deny)");
  }

  @Test
  void evaluate_whenNoAuthorityRoute_denies() throws Exception {
    TestBundles.write(dir, Map.of("bundle.yaml", TestBundles.BUNDLE_YAML, "gates.yaml", GATES));
    PolicyBundle bundle = PolicyBundles.loadDirectory(dir);

    Evaluation e = bundle.evaluate(request("{\"amount\":1}"));

    assertThat(e.outcome()).isEqualTo(Outcome.DENY);
    assertThat(e.reasons()).containsExactly("no authority route for band `low`, action class `transfer`, environment `dev`");
  }

  @Test
  void evaluate_whenGateRequiresApproval_skipsAutoRouteAndPends() throws Exception {
    PolicyBundle bundle = TestBundles.withGates(dir,
        """
        gates:
          - {id: ask, when: "true", effect: require_approval, reason: ask a human}
          - {id: ok, when: "true", effect: allow, reason: fine}
        """);

    Evaluation e = bundle.evaluate(request("{}"));

    assertThat(e.outcome()).isEqualTo(Outcome.PENDING_AUTHORITY);
    assertThat(e.reasons()).containsExactly("ask a human");
    assertThat(e.authority()).get().satisfies(a -> {
      assertThat(a.route()).isEqualTo("fallback-approval");
      assertThat(a.minSignatures()).isEqualTo(1);
    });
  }
}
