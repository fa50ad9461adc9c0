package dev.arbiter.core.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyCasesTest {
  @TempDir Path dir;

  @Test
  void run_whenExpectationsDiffer_rendersExpectedVersusActual() throws Exception {
    PolicyBundle bundle = PolicyBundles.loadDirectory(TestBundles.examplePolicy());
    Path cases = dir.resolve("cases.yaml");
    Files.writeString(cases, """
        cases:
          - name: wrong on purpose
            request:
              action: {class: deploy, tool: deployer, intent: release, target: {type: service, id: checkout}, payload: {change_ticket: CHG-1}}
              context: {actor: {id: ci}, environment: production, reversible: true}
            expect:
              outcome: allow
              band: high
              authority: {min_signatures: 1, min_level: L2}
        """);

    List<PolicyCase> all = PolicyCases.read(cases);
    CaseResult r = PolicyCases.run(bundle, all.get(0));

    assertThat(r.passed()).isFalse();
    assertThat(r.mismatches()).extracting(CaseResult.Mismatch::field)
        .containsExactly("outcome", "risk.band", "authority.min_signatures");
    assertThat(r.diff()).isEqualTo("""
            outcome
              - expected: allow
              + actual:   pending_authority
            risk.band
              - expected: high
              + actual:   low (score 0.2)
            authority.min_signatures
              - expected: 1
              + actual:   2
            why: pending_authority, risk 0.2 (low): production deploys need two distinct L2+ approvals
        """);
  }

  @Test
  void run_whenRequestInvalid_reportsItAsMismatch() throws Exception {
    PolicyBundle bundle = PolicyBundles.loadDirectory(TestBundles.examplePolicy());
    Path cases = dir.resolve("cases.yaml");
    Files.writeString(cases, """
        cases:
          - name: bad request
            request: {action: {class: 5}}
            expect: {outcome: deny}
        """);

    CaseResult r = PolicyCases.run(bundle, PolicyCases.read(cases).get(0));

    assertThat(r.mismatches()).singleElement().satisfies(m -> {
      assertThat(m.field()).isEqualTo("request");
      assertThat(m.actual()).contains("action.class: got number, want string");
    });
  }

  @Test
  void read_whenExpectKeyMisspelt_isReadError() throws Exception {
    Path cases = dir.resolve("cases.yaml");
    Files.writeString(cases, "cases:\n  - name: x\n    request: {action: {class: read}}\n    expect: {outcom: allow}\n");

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> PolicyCases.read(cases))
        .isInstanceOf(BundleReadException.class)
        .hasMessageContaining("unknown key `outcom`");
  }

  /** A cases file that tests nothing would pass every CI run relying on it; a syntax error says where, in words. */
  @Test
  void read_anEmptyOrUnparsableFile_isReadError() throws Exception {
    Path empty = dir.resolve("empty.yaml");
    Files.writeString(empty, "cases: []\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> PolicyCases.read(empty))
        .isInstanceOf(BundleReadException.class).hasMessageContaining("is empty");
    Path broken = dir.resolve("broken.yaml");
    Files.writeString(broken, "{{{");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> PolicyCases.read(broken))
        .isInstanceOf(BundleReadException.class).hasMessageContaining("not valid YAML at line 1")
        .hasMessageNotContaining("snakeyaml");
  }
}
