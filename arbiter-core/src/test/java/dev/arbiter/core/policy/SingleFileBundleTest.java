package dev.arbiter.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.core.decision.DecisionRequests;
import dev.arbiter.core.decision.Outcome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DESIGN §3: a bundle is "a directory or file of YAML". */
class SingleFileBundleTest {
  @TempDir Path dir;

  private static final String SINGLE =
      """
      version: "one-file"
      classes:
        read: {tools: ["*"]}
      factors:
        - {id: prod, when: context.environment == "production", weight: 0.3, reason: production}
      gates:
        - {id: reads, when: action.class == "read", effect: allow, reason: reads are fine}
      routes:
        - {id: auto, match: {bands: [low, medium]}, require: {min_signatures: 0}}
      """;

  @Test
  void load_whenSingleFile_compilesEverySection() throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, SINGLE);

    PolicyBundle b = PolicyBundles.loadDirectory(file);

    assertThat(b.version()).isEqualTo("one-file");
    assertThat(b.gates()).hasSize(1);
    assertThat(b.riskModel().factors()).hasSize(1);
    assertThat(b.authorityMap().routes()).hasSize(1);
    var e = b.evaluate(DecisionRequests.parse(
        "{\"action\":{\"class\":\"read\"},\"context\":{\"actor\":{\"id\":\"a\"}}}".getBytes(StandardCharsets.UTF_8)));
    assertThat(e.outcome()).isEqualTo(Outcome.ALLOW);
    assertThat(e.risk().score()).isEqualTo(0.3);
  }

  @Test
  void load_whenSectionInBothPlaces_isPolicyError() throws Exception {
    TestBundles.write(dir, Map.of("bundle.yaml", SINGLE, "gates.yaml", "gates: []\n"));

    assertThatThrownBy(() -> PolicyBundles.loadDirectory(dir))
        .isInstanceOfSatisfying(PolicyCompilationException.class, ex ->
            assertThat(ex.diagnostics()).extracting(PolicyDiagnostic::message)
                .containsExactly("`gates` is defined in both bundle.yaml and gates.yaml"));
  }
}
