package dev.arbiter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DecideCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String EXAMPLE = "../examples/policy";
  private static final Path CORPUS = Path.of("../arbiter-core/src/test/resources/decisions");

  @TempDir Path dir;

  static Stream<Path> corpus() throws IOException {
    return Files.list(CORPUS).filter(p -> p.toString().endsWith(".json")).sorted();
  }

  /** The same corpus as arbiter-core's DecisionCorpusTest, through the CLI: same answers. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void decideJson_givesTheCorpusAnswer(Path file) throws Exception {
    JsonNode doc = JSON.readTree(file.toFile());
    Path request = dir.resolve("request.json");
    JSON.writeValue(request.toFile(), doc.get("request"));

    CliCapture r = CliCapture.run("decide", "--bundle", EXAMPLE, "--request", request.toString(), "--json");

    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode out = JSON.readTree(r.lastLine());
    assertThat(out.get("outcome").asText()).isEqualTo(doc.get("expect").get("outcome").asText());
    assertThat(out.get("risk").get("band").asText()).isEqualTo(doc.get("expect").get("band").asText());
    if (doc.get("expect").has("min_signatures")) {
      assertThat(out.get("authority").get("min_signatures").asInt()).isEqualTo(doc.get("expect").get("min_signatures").asInt());
    }
  }

  /** Black-box run: decide allowed requests the engine refuses (400 not_canonical): a lone surrogate, 1e400. */
  @Test
  void decide_refusesWhatTheEngineRefuses_valuesWithoutACanonicalForm() throws Exception {
    String base = "{\"action\":{\"class\":\"read\",\"tool\":\"x\",\"intent\":\"smoke\",\"target\":{\"type\":\"service\","
        + "\"id\":\"s1\"},\"payload\":{\"n\":VALUE}},\"context\":{\"actor\":{\"id\":\"agent_smoke\"},\"environment\":\"dev\"}}";
    for (String value : new String[] {"1e400", "\"\\ud800\"", "9007199254740993"}) {
      Path request = dir.resolve("r.json");
      Files.writeString(request, base.replace("VALUE", value));
      CliCapture r = CliCapture.run("decide", "--bundle", EXAMPLE, "--request", request.toString());
      assertThat(r.exitCode()).as("%s: %s", value, r.err()).isEqualTo(2);
      assertThat(r.err()).contains("no RFC 8785 form");
    }
  }

  @Test
  void decideJson_printsOneObjectWithTheContractFields() throws Exception {
    Path request = dir.resolve("r.json");
    Files.writeString(request, "{\"action\":{\"class\":\"read\",\"tool\":\"x\",\"intent\":\"smoke\",\"target\":{\"type\":\"service\",\"id\":\"s1\"},\"payload\":{}},\"context\":{\"actor\":{\"id\":\"agent_smoke\"},\"environment\":\"dev\"}}");

    CliCapture r = CliCapture.run("decide", "--bundle", EXAMPLE, "--request", request.toString(), "--json");

    assertThat(r.exitCode()).isZero();
    assertThat(r.out().strip()).doesNotContain("\n");
    JsonNode out = JSON.readTree(r.lastLine());
    assertThat(out.get("outcome").asText()).isEqualTo("allow");
    assertThat(out.get("risk").get("score").isNumber()).isTrue();
    assertThat(out.get("risk").get("band").asText()).isEqualTo("low");
    assertThat(out.get("risk").get("factors").isArray()).isTrue();
    assertThat(out.has("authority")).isTrue();
    assertThat(out.get("gates").size()).isGreaterThanOrEqualTo(20);
    assertThat(out.get("reasons").get(0).asText()).isEqualTo("reads in dev are auto-allowed");
    assertThat(out.get("policy").get("hash").asText()).startsWith("sha256:");
    assertThat(out.get("policy").get("version").asText()).isEqualTo("2026.11.0");
  }

  @Test
  void decideText_explainsGatesRiskAndAuthority() throws Exception {
    Path request = dir.resolve("r.json");
    Files.writeString(request, "{\"action\":{\"class\":\"deploy\",\"tool\":\"deployer\",\"intent\":\"release\",\"target\":{\"type\":\"service\",\"id\":\"checkout\"},\"payload\":{\"change_ticket\":\"CHG-1\"}},\"context\":{\"actor\":{\"id\":\"ci\"},\"environment\":\"production\",\"reversible\":true}}");

    CliCapture r = CliCapture.run("decide", "--bundle", EXAMPLE, "--request", request.toString());

    assertThat(r.exitCode()).isZero();
    assertThat(r.out())
        .startsWith("outcome: pending_authority\n  - production deploys need two distinct L2+ approvals\n")
        .contains("risk: 0.2000 (low)")
        .contains("  + production                   +0.2000  (weight 0.20) runs against production")
        .contains("matched     require_approval prod-deploy-approval: production deploys need two distinct L2+ approvals")
        .contains("authority: 2 distinct approval(s) from L2+");
  }

  @Test
  void decide_whenRequestMalformed_exits2WithFieldPath() throws Exception {
    Path request = dir.resolve("bad.json");
    Files.writeString(request, "{\"action\":{\"class\":\"read\"},\"context\":{\"environment\":\"prod\"},\"extra\":true}");

    CliCapture r = CliCapture.run("decide", "--bundle", EXAMPLE, "--request", request.toString(), "--json");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("context.environment: got \"prod\"").contains("extra: got unknown field");
  }

  @Test
  void decide_whenANumberIsOverTheParsersLimit_saysSoRatherThanTooDeep() throws Exception {
    Path request = dir.resolve("long-number.json");
    Files.writeString(request, "{\"action\":{\"class\":\"read\",\"payload\":{\"n\":" + "9".repeat(1_001) + "}}}");

    CliCapture r = CliCapture.run("decide", "--bundle", EXAMPLE, "--request", request.toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("$: got a number of 1001 characters, want at most 1000 characters in a number")
        .doesNotContain("nested");
  }

  @Test
  void decide_whenRequestIsNotJson_exits2() throws Exception {
    Path request = dir.resolve("bad.json");
    Files.writeString(request, "not json");

    assertThat(CliCapture.run("decide", "--bundle", EXAMPLE, "--request", request.toString()).exitCode()).isEqualTo(2);
    assertThat(CliCapture.run("decide", "--bundle", EXAMPLE, "--request", dir.resolve("missing.json").toString()).exitCode()).isEqualTo(2);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @org.junit.jupiter.params.provider.CsvSource({
    "smoke-read-dev.json, allow, 0",
    "deploy-dev-auto-allow.json, allow, 0",
    "deploy-prod-two-approvals.json, pending_authority, 2"
  })
  void exampleRequests_giveTheDocumentedOutcomes(String file, String outcome, int signatures) throws Exception {
    CliCapture r = CliCapture.run("decide", "--bundle", EXAMPLE, "--request", "../examples/requests/" + file, "--json");

    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode out = JSON.readTree(r.lastLine());
    assertThat(out.get("outcome").asText()).isEqualTo(outcome);
    assertThat(out.get("authority").get("min_signatures").asInt()).isEqualTo(signatures);
    if (signatures > 0) {
      assertThat(out.get("authority").get("distinct").asBoolean()).isTrue();
      assertThat(out.get("authority").get("levels").toString()).isEqualTo("[\"L2\",\"L3\",\"L4\",\"L5\"]");
    }
  }

  @Test
  void decideJson_whenDenied_carriesNoAuthorityRequirement() throws Exception {
    Path request = dir.resolve("r.json");
    Files.writeString(request, "{\"action\":{\"class\":\"deploy\",\"tool\":\"deployer\",\"payload\":{}},\"context\":{\"actor\":{\"id\":\"ci\"},\"environment\":\"production\"}}");

    JsonNode out = JSON.readTree(CliCapture.run("decide", "--bundle", EXAMPLE, "--request", request.toString(), "--json").lastLine());

    assertThat(out.get("outcome").asText()).isEqualTo("deny");
    assertThat(out.get("authority").isNull()).isTrue();
    assertThat(out.get("reasons").toString()).contains("production deploys must reference a change ticket");
  }
}
