package dev.arbiter.core.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.core.decision.DecisionRequests;
import dev.arbiter.core.decision.Evaluation;
import dev.arbiter.core.decision.Outcome;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The shipped example bundle: size, its own cases, and the quickstart requests. */
class ExamplePolicyTest {
  @Test
  void example_isRealisticInSize() throws Exception {
    PolicyBundle b = PolicyBundles.loadDirectory(TestBundles.examplePolicy());

    assertThat(b.gates()).hasSizeGreaterThanOrEqualTo(20);
    assertThat(b.riskModel().factors()).hasSizeGreaterThanOrEqualTo(10);
    assertThat(b.actionClasses().keySet())
        .containsExactlyInAnyOrder("read", "write", "deploy", "transfer", "data_export", "notify");
  }

  @Test
  void example_passesItsOwnCasesCoveringEveryOutcome() throws Exception {
    PolicyBundle b = PolicyBundles.loadDirectory(TestBundles.examplePolicy());
    List<PolicyCase> cases = PolicyCases.read(TestBundles.examplePolicy().resolve("cases.yaml"));

    Set<Outcome> seen = EnumSet.noneOf(Outcome.class);
    for (PolicyCase c : cases) {
      CaseResult r = PolicyCases.run(b, c);
      assertThat(r.passed()).as(c.name() + "\n" + r.diff()).isTrue();
      seen.add(r.evaluation().orElseThrow().outcome());
    }
    assertThat(cases).hasSizeGreaterThanOrEqualTo(15);
    assertThat(seen).containsExactlyInAnyOrder(Outcome.ALLOW, Outcome.DENY, Outcome.PENDING_AUTHORITY);
  }

  @Test
  void smokeRequest_withAnyToolInDev_isAllowed() throws Exception {
    PolicyBundle b = PolicyBundles.loadDirectory(TestBundles.examplePolicy());
    String smoke = "{\"action\":{\"class\":\"read\",\"tool\":\"x\",\"intent\":\"smoke\",\"target\":{\"type\":\"service\",\"id\":\"s1\"},\"payload\":{}},\"context\":{\"actor\":{\"id\":\"agent_smoke\"},\"environment\":\"dev\"}}";

    Evaluation e = b.evaluate(DecisionRequests.parse(smoke.getBytes(StandardCharsets.UTF_8)));

    assertThat(e.outcome()).isEqualTo(Outcome.ALLOW);
    assertThat(e.policy().hash()).isEqualTo(b.hash());
  }
}
