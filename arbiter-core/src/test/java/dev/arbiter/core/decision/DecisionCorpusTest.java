package dev.arbiter.core.decision;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.arbiter.core.policy.PolicyBundle;
import dev.arbiter.core.policy.PolicyBundles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decision corpus ({@code src/test/resources/decisions/*.json}: {@code {name, request, expect
 * {outcome, band, min_signatures?}}}) through the core API. The same files run through {@code
 * arbiter decide} in arbiter-cli and, later, through HTTP: all must give the same answers.
 */
class DecisionCorpusTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Path CORPUS = Path.of("src/test/resources/decisions");
  private static PolicyBundle example;

  @BeforeAll
  static void load() throws Exception {
    example = PolicyBundles.loadDirectory(Path.of("../examples/policy"));
  }

  static Stream<Path> corpus() throws IOException {
    return Files.list(CORPUS).filter(p -> p.toString().endsWith(".json")).sorted();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void coreApi_givesTheExpectedAnswer(Path file) throws Exception {
    JsonNode doc = JSON.readTree(file.toFile());
    JsonNode expect = doc.get("expect");

    Evaluation e = example.evaluate(DecisionRequests.parse(JSON.writeValueAsBytes(doc.get("request"))));

    assertThat(e.outcome().wireName()).as("outcome").isEqualTo(expect.get("outcome").asText());
    assertThat(e.risk().band().wireName()).as("band").isEqualTo(expect.get("band").asText());
    if (expect.has("min_signatures")) {
      assertThat(e.authority()).get().extracting(a -> a.minSignatures()).isEqualTo(expect.get("min_signatures").asInt());
    }
  }

  @Test
  void corpus_coversEveryPolicyOutcome() throws Exception {
    assertThat(corpus().map(p -> {
      try {
        return JSON.readTree(p.toFile()).get("expect").get("outcome").asText();
      } catch (IOException ex) {
        throw new java.io.UncheckedIOException(ex);
      }
    }).distinct()).containsExactlyInAnyOrder("allow", "deny", "pending_authority");
  }
}
