package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.server.TestServer.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decision corpus of arbiter-core ({@code DecisionCorpusTest}) through HTTP: the same outcome,
 * band and required signatures as the core API and {@code arbiter decide}.
 */
class DecisionCorpusHttpTest {
  private static final Path CORPUS = Path.of("../arbiter-core/src/test/resources/decisions");
  @TempDir static Path dir;
  static TestServer t;

  @BeforeAll
  static void start() throws Exception {
    t = TestServer.start(dir);
  }

  @AfterAll
  static void stop() {
    t.close();
  }

  static Stream<Path> corpus() throws IOException {
    return Files.list(CORPUS).filter(p -> p.toString().endsWith(".json")).sorted();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void postDecision_givesTheCorpusAnswer(Path file) throws Exception {
    JsonNode doc = TestServer.JSON.readTree(file.toFile());
    JsonNode expect = doc.get("expect");

    Response r = t.post("/v1/decisions", "corpus-" + file.getFileName(), TestServer.JSON.writeValueAsString(doc.get("request")));

    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    JsonNode d = r.json();
    assertThat(d.get("outcome").asText()).isEqualTo(expect.get("outcome").asText());
    assertThat(d.get("risk").get("band").asText()).isEqualTo(expect.get("band").asText());
    if (expect.has("min_signatures")) {
      assertThat(d.get("authority").get("min_signatures").asInt()).isEqualTo(expect.get("min_signatures").asInt());
    }
    var trail = t.trail(d.get("decision_id").asText());
    assertThat(trail).startsWith("decision.created").contains("enforcement.result");
    assertThat(trail.get(trail.size() - 1)).isEqualTo(d.get("outcome").asText().equals("allow") ? "grant.issued" : "enforcement.result");
    assertThat(d.has("grant")).isEqualTo(d.get("outcome").asText().equals("allow"));
  }
}
