package dev.arbiter.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyDiagnosticsTest {
  @TempDir Path dir;

  private List<PolicyDiagnostic> diagnostics(String file, String text) {
    Map<String, String> files = new java.util.HashMap<>(Map.of("bundle.yaml", TestBundles.BUNDLE_YAML));
    files.put(file, text);
    TestBundles.write(dir, files);
    try {
      PolicyBundles.loadDirectory(dir);
    } catch (PolicyCompilationException e) {
      return e.diagnostics();
    } catch (BundleReadException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("bundle compiled");
  }

  @Test
  void check_whenGateMisspellsRiskField_pinsMessageSpanAndHint() {
    List<PolicyDiagnostic> d =
        diagnostics(
            "gates.yaml",
            """
            gates:
              - id: risky
                when: action.class == "deploy" && risk.scroe > 0.5
                effect: deny
                reason: too risky
            """);

    assertThat(d).hasSize(1);
    PolicyDiagnostic diag = d.get(0);
    assertThat(diag.message()).isEqualTo("unknown field `risk.scroe`");
    assertThat(diag.hint()).contains("did you mean `risk.score`?");
    assertThat(diag.file()).isEqualTo("gates.yaml");
    assertThat(diag.subject()).isEqualTo("gate `risky`");
    assertThat(diag.field()).isEqualTo("when");
    assertThat(diag.span()).get().extracting(ExpressionSpan::line, ExpressionSpan::column, ExpressionSpan::length)
        .containsExactly(1, 29, 10);
    assertThat(diag.line()).isEqualTo(3);
    assertThat(diag.column()).isEqualTo(11 + 28);
    assertThat(diag.render())
        .isEqualTo(
            """
            error: unknown field `risk.scroe`
              --> gates.yaml:3:39: gate `risky`, `when` at 1:29
               |
             1 | action.class == "deploy" && risk.scroe > 0.5
               |                             ^^^^^^^^^^
               = hint: did you mean `risk.score`?
            """);
  }

  @Test
  void check_whenMultiLineExpressionMisspellsContextField_pointsAtSecondLine() {
    List<PolicyDiagnostic> d =
        diagnostics(
            "gates.yaml",
            """
            gates:
              - id: prod
                when: |
                  action.class == "deploy"
                    && context.enviroment == "production"
                effect: deny
                reason: r
            """);

    assertThat(d).singleElement().satisfies(diag -> {
      assertThat(diag.message()).isEqualTo("unknown field `context.enviroment`");
      assertThat(diag.hint()).contains("did you mean `context.environment`?");
      assertThat(diag.span()).get().extracting(ExpressionSpan::line, ExpressionSpan::column).containsExactly(2, 6);
      assertThat(diag.render()).contains(" 2 |   && context.enviroment == \"production\"\n   |      ^^^^^^^^^^^^^^^^^^\n");
    });
  }

  @Test
  void check_whenRiskFactorReadsRisk_explainsOrder() {
    List<PolicyDiagnostic> d =
        diagnostics(
            "risk.yaml",
            """
            factors:
              - id: loop
                when: risk.score > 0.1
                weight: 0.2
                reason: r
            """);

    assertThat(d).singleElement().satisfies(diag -> {
      assertThat(diag.message()).isEqualTo("`risk.score` is not available in risk factors");
      assertThat(diag.hint()).contains("risk is scored from the factors; read `risk.*` in gates instead");
      assertThat(diag.subject()).isEqualTo("risk factor `loop`");
    });
  }

  @Test
  void check_whenConditionCallsHas_pointsAtItAndSuggestsInOnThePayload() {
    List<PolicyDiagnostic> d =
        diagnostics(
            "gates.yaml",
            """
            gates:
              - id: ticket
                when: action.class == "deploy" && !has(action.payload.ticket)
                effect: deny
                reason: r
            """);

    assertThat(d).singleElement().satisfies(diag -> {
      assertThat(diag.message()).isEqualTo("`has()` is not available in policy conditions");
      assertThat(diag.hint()).contains("test for an optional payload key with `\"key\" in action.payload`");
      assertThat(diag.span()).get().extracting(ExpressionSpan::column, ExpressionSpan::length).containsExactly(30, 3);
    });
  }

  @Test
  void check_whenUnknownVariable_listsTheVariables() {
    List<PolicyDiagnostic> d =
        diagnostics(
            "gates.yaml",
            """
            gates:
              - id: g
                when: principal.id == "x"
                effect: deny
                reason: r
            """);

    assertThat(d).singleElement().satisfies(diag -> {
      assertThat(diag.message()).isEqualTo("unknown variable `principal.id`");
      assertThat(diag.hint()).contains("the variables are `action.*`, `context.*` and `risk.*`");
    });
  }

  @Test
  void check_whenConditionIsNotBoolean_rejectsWithHint() {
    List<PolicyDiagnostic> d =
        diagnostics(
            "gates.yaml",
            """
            gates:
              - id: g
                when: context.blast_radius + 1
                effect: deny
                reason: r
            """);

    assertThat(d).singleElement().satisfies(diag -> {
      assertThat(diag.message()).isEqualTo("condition has type `int`, want `bool`");
      assertThat(diag.hint()).isPresent();
    });
  }

  @Test
  void check_whenOperandTypesMismatch_reportsOverloadWithoutCandidateNoise() {
    List<PolicyDiagnostic> d =
        diagnostics(
            "gates.yaml",
            """
            gates:
              - id: g
                when: action.class > 3
                effect: deny
                reason: r
            """);

    assertThat(d).singleElement().satisfies(diag -> {
      assertThat(diag.message()).isEqualTo("found no matching overload for `_>_` applied to `(string, int)`");
      assertThat(diag.span()).get().extracting(ExpressionSpan::column).isEqualTo(14);
      assertThat(diag.hint()).contains("operand types must match; convert with `int()`, `double()` or `string()`");
    });
  }

  @Test
  void check_whenKeysAndEnumsMisspelt_suggestsFixes() {
    List<PolicyDiagnostic> d =
        diagnostics(
            "gates.yaml",
            """
            gates:
              - id: g
                when: "true"
                effect: alow
                reason: r
                resaon: extra
            """);

    assertThat(d).extracting(PolicyDiagnostic::message, PolicyDiagnostic::hint)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("unknown key `resaon`", Optional.of("did you mean `reason`?")),
            org.assertj.core.groups.Tuple.tuple("unknown effect `alow`", Optional.of("did you mean `allow`?")));
  }

  @Test
  void check_whenWeightOutOfRangeAndRouteNamesUnknownClass_reportsBoth() {
    Map<String, String> files = Map.of(
        "bundle.yaml", TestBundles.BUNDLE_YAML,
        "risk.yaml", "factors:\n  - {id: f, when: \"true\", weight: 1.5, reason: r}\n",
        "authority.yaml", "routes:\n  - id: r\n    match: {classes: [deplyo]}\n    require: {min_signatures: 0}\n");
    TestBundles.write(dir, files);

    assertThatThrownBy(() -> PolicyBundles.loadDirectory(dir))
        .isInstanceOfSatisfying(PolicyCompilationException.class, e ->
            assertThat(e.diagnostics()).extracting(PolicyDiagnostic::message)
                .containsExactly("weight `1.5` is outside [0, 1]", "unknown action class `deplyo`"));
  }

  /** A co-signer must also qualify as an approver: a co_sign level above every accepted level can never be met. */
  @Test
  void check_whenCoSignLevelIsAboveEveryAcceptedLevel_reportsTheUnmeetableRoute() {
    List<PolicyDiagnostic> d = diagnostics("authority.yaml", """
        routes:
          - id: prod-deploy
            match: {classes: [deploy]}
            require:
              levels: [L2, L3]
              min_signatures: 2
              co_sign:
                - level: L4
        """);

    assertThat(d).hasSize(1);
    PolicyDiagnostic diag = d.get(0);
    assertThat(diag.message()).isEqualTo("co_sign at L4 can never be met: a co-signer must also be an accepted approver,"
        + " and no accepted level is L4 or above (levels: [L2, L3])");
    assertThat(diag.hint()).contains("accept L4 in `levels`, or use `min_level` (that level and above)");
    assertThat(diag.file()).isEqualTo("authority.yaml");
    assertThat(diag.subject()).isEqualTo("route `prod-deploy`");
    assertThat(diag.field()).isEqualTo("co_sign");
    assertThat(diag.line()).isEqualTo(8);
  }

  /** An unknown level name is reported once, not again as an unmeetable co_sign. */
  @Test
  void check_whenALevelNameIsUnknown_reportsItAlone() {
    List<PolicyDiagnostic> d = diagnostics("authority.yaml", """
        routes:
          - id: r
            match: {classes: [deploy]}
            require: {levels: [L3, L9], min_signatures: 2, co_sign: [{level: L4}]}
        """);

    assertThat(d).extracting(PolicyDiagnostic::message).containsExactly("unknown authority level `L9`");
  }

  @Test
  void check_whenCoSignLevelIsReachable_byMinLevelOrByRole_compiles() throws Exception {
    for (String require : List.of(
        "{min_level: L3, min_signatures: 2, co_sign: [{level: L4}]}",
        "{levels: [L3], roles: [release-manager], min_signatures: 2, co_sign: [{level: L4}]}")) {
      TestBundles.write(dir, Map.of("bundle.yaml", TestBundles.BUNDLE_YAML,
          "authority.yaml", "routes:\n  - id: r\n    match: {classes: [deploy]}\n    require: " + require + "\n"));

      assertThat(PolicyBundles.loadDirectory(dir).authorityMap().routes()).as(require).hasSize(1);
    }
  }

  /** YAML double-quoted escapes: a zero-width space, a trailing space, a forged log line, fullwidth digits. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {
        "\"t.1\\u200b\"", "\"t.1 \"", "\" t.1\"", "\"t 1\"", "\"t.1\\t\"", "\"\\u00e9t\u00e9\"", "\"\\uff11\"",
        "\"t.1\\nINFO dev.arbiter.server.ArbiterServer -- policy.activated recorded for 2026.11.0\"",
        "\".1\"", "\"-1\"", "\"1/2\"", "\"a\\\"b\"",
      })
  void check_whenVersionIsNotAPlainIdentifier_isPolicyErrorNamingTheField(String version) {
    TestBundles.write(dir, Map.of("bundle.yaml", TestBundles.BUNDLE_YAML.replace("\"t1\"", version)));

    assertThatThrownBy(() -> PolicyBundles.loadDirectory(dir))
        .isInstanceOfSatisfying(PolicyCompilationException.class, e -> {
          assertThat(e.diagnostics()).hasSize(1);
          PolicyDiagnostic d = e.diagnostics().get(0);
          assertThat(d.field()).isEqualTo("version");
          assertThat(d.line()).isEqualTo(1);
          assertThat(d.message()).startsWith("`version` must be a plain identifier, found \"");
          assertThat(d.hint()).get().asString().contains("2026.11.0");
          // The rendered error is the message, the location and the hint: nothing the author wrote
          // becomes a line of its own.
          assertThat(d.render().lines()).hasSize(3);
        });
  }

  @Test
  void check_whenVersionHasALineBreak_showsItEscaped() {
    TestBundles.write(dir, Map.of("bundle.yaml", TestBundles.BUNDLE_YAML.replace("\"t1\"", "\"t.1\\nINFO x\"")));

    assertThatThrownBy(() -> PolicyBundles.loadDirectory(dir))
        .isInstanceOfSatisfying(PolicyCompilationException.class, e -> assertThat(e.diagnostics().get(0).message())
            .isEqualTo("`version` must be a plain identifier, found \"t.1\\u000aINFO x\""));
  }

  @Test
  void check_whenVersionIsLongerThan64_showsTheStartAndSaysHowLong() {
    TestBundles.write(dir, Map.of("bundle.yaml", TestBundles.BUNDLE_YAML.replace("\"t1\"", "v".repeat(65))));

    assertThatThrownBy(() -> PolicyBundles.loadDirectory(dir))
        .isInstanceOfSatisfying(PolicyCompilationException.class, e -> assertThat(e.diagnostics().get(0).message())
            .isEqualTo("`version` must be a plain identifier, found \"" + "v".repeat(64) + "\"… (65 characters)"));
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {"2026.11.0", "1", "v2", "one-file", "1.0.0-rc.1+build.5", "release:7_b", "2026.11"})
  void load_whenVersionIsAPlainIdentifier_keepsItAsWritten(String version) throws Exception {
    TestBundles.write(dir, Map.of("bundle.yaml", TestBundles.BUNDLE_YAML.replace("\"t1\"", version)));

    assertThat(PolicyBundles.loadDirectory(dir).version()).isEqualTo(version);
  }

  @Test
  void load_whenYamlMalformed_isReadErrorNotPolicyError() {
    TestBundles.write(dir, Map.of("bundle.yaml", "version: [unclosed\n"));

    assertThatThrownBy(() -> PolicyBundles.loadDirectory(dir))
        .isInstanceOf(BundleReadException.class)
        .hasMessageContaining("bundle.yaml:")
        .hasMessageContaining("malformed YAML");
  }

  @Test
  void load_whenDuplicateKey_isReadError() {
    TestBundles.write(dir, Map.of("bundle.yaml", "version: \"1\"\nversion: \"2\"\nclasses: {}\n"));

    assertThatThrownBy(() -> PolicyBundles.loadDirectory(dir))
        .isInstanceOf(BundleReadException.class)
        .hasMessageContaining("duplicate key `version`");
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {
        "version: \"1\"\nclasses: {deploy: {tools: [&t deployer]}, write: {tools: [*t]}}\n",
        "version: \"1\"\nclasses: {deploy: &c {tools: [deployer]}}\n",
        "version: \"1\"\nclasses: &all {deploy: {tools: [deployer]}}\n",
        "version: \"1\"\nclasses: {deploy: {tools: [deployer]}, write: *c}\n",
        "version: \"1\"\n&k classes: {deploy: {tools: [deployer]}}\n",
        "version: \"1\"\nclasses: {*k : {tools: [deployer]}}\n",
        "version: &v \"1\"\nclasses: {deploy: {tools: [deployer]}}\n",
        "version: !!str &v 1\nclasses: {deploy: {tools: [deployer]}}\n",
      })
  void load_whenYamlHasAnchorOrAlias_isReadError(String bundleYaml) {
    TestBundles.write(dir, Map.of("bundle.yaml", bundleYaml));

    assertThatThrownBy(() -> PolicyBundles.loadDirectory(dir))
        .isInstanceOf(BundleReadException.class)
        .hasMessageStartingWith("bundle.yaml:")
        .hasMessageMatching("(?s).*(YAML anchor `&|YAML alias `\\*|malformed YAML).*");
  }

  @Test
  void load_whenAliasNamesATool_isRefusedRatherThanAllowingToolNamedAfterTheAnchor() {
    TestBundles.write(dir, Map.of("bundle.yaml",
        "version: \"1\"\nclasses: {deploy: {tools: [&t deployer]}, write: {tools: [*t]}}\n"));

    assertThatThrownBy(() -> PolicyBundles.loadDirectory(dir))
        .isInstanceOf(BundleReadException.class)
        .hasMessage("bundle.yaml:2:28: YAML anchor `&t` is not supported: anchors and aliases are refused in policy files");
  }

  @Test
  void load_whenAliasAppearsWithoutAnchor_isReadError() {
    TestBundles.write(dir, Map.of("bundle.yaml", "version: \"1\"\nclasses: {write: {tools: [*t]}}\n"));

    assertThatThrownBy(() -> PolicyBundles.loadDirectory(dir))
        .isInstanceOf(BundleReadException.class)
        .hasMessageContaining("bundle.yaml:");
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {".nan", ".NaN", "-.inf", ".inf", "0_0.5", "0x1", "1_0", "1e400"})
  void check_whenWeightIsNotAFiniteDecimal_reportsItInsteadOfCrashing(String weight) {
    List<PolicyDiagnostic> d =
        diagnostics("risk.yaml", "factors:\n  - {id: f, when: \"true\", weight: " + weight + ", reason: r}\n");

    assertThat(d).singleElement().satisfies(diag -> {
      assertThat(diag.message()).isEqualTo("`weight` must be a finite decimal number, found `" + weight + "`");
      assertThat(diag.subject()).isEqualTo("risk factor `f`");
      assertThat(diag.line()).isEqualTo(2);
    });
  }

  @Test
  void check_whenThresholdIsNaN_reportsIt() {
    List<PolicyDiagnostic> d = diagnostics("bundle.yaml",
        TestBundles.BUNDLE_YAML + "bands: {thresholds: {medium: .NaN}}\n");

    assertThat(d).extracting(PolicyDiagnostic::message)
        .containsExactly("`medium` must be a finite decimal number, found `.NaN`");
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      value = {
        "99999999999999999999s|`99999999999999999999s` is longer than the maximum of 365 days",
        "999999999999999999d|`999999999999999999d` is longer than the maximum of 365 days",
        "PT99999999999999999H|`PT99999999999999999H` is not a positive duration",
        "40000000000000000s|`40000000000000000s` is longer than the maximum of 365 days",
        "366d|`366d` is longer than the maximum of 365 days",
        "P365DT1S|`P365DT1S` is longer than the maximum of 365 days",
      })
  void check_whenTtlOverflowsOrExceedsTheCap_reportsIt(String ttl, String message) {
    List<PolicyDiagnostic> d = diagnostics("bundle.yaml", TestBundles.BUNDLE_YAML + "ttls: {approval: " + ttl + "}\n");

    assertThat(d).extracting(PolicyDiagnostic::message).containsExactly(message);
  }

  @Test
  void check_whenTtlIsExactlyTheCap_compiles() throws Exception {
    TestBundles.write(dir, Map.of("bundle.yaml", TestBundles.BUNDLE_YAML + "ttls: {approval: 365d, decision: 8760h}\n"));

    assertThat(PolicyBundles.loadDirectory(dir).approvalTtl()).hasDays(365);
  }
}
