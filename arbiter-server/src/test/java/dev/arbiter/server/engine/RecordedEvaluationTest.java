package dev.arbiter.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.CanonicalJson;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordedEvaluationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Members of every JSON kind, last and not last, with escapes and multi-byte text inside. */
  private static final List<String> EVALUATIONS = List.of(
      "{\"authority\":null,\"gates\":[{\"id\":\"g\\\"1\",\"reason\":\"caf\u00e9 \\\\ \u2603 \ud83d\ude00\"}],\"outcome\":\"allow\","
          + "\"policy\":{\"hash\":\"sha256:ab\",\"version\":\"7\"},\"reasons\":[],\"risk\":{\"band\":\"low\",\"score\":0.35}}",
      "{\"a\":1,\"b\":-2.5e-7,\"c\":true,\"d\":false,\"e\":\"x\",\"f\":12345678901}",
      "{\"only\":{\"nested\":[[[]],{}],\"n\":0}}",
      "{}");

  @Test
  void eachRawMemberIsExactlyThatMembersJson() throws Exception {
    for (String text : EVALUATIONS) {
      JsonNode tree = JSON.readTree(text);
      RecordedEvaluation e = RecordedEvaluation.of(tree);
      ObjectNode rebuilt = JSON.createObjectNode();
      tree.fieldNames().forEachRemaining(name -> rebuilt.putRawValue(name, e.raw(name)));
      JsonNode reparsed = JSON.readTree(JSON.writeValueAsBytes(rebuilt));
      assertThat(reparsed).as(text).isEqualTo(tree);
      assertThat(CanonicalJson.encode(reparsed)).as(text).isEqualTo(e.canonical());
      tree.fieldNames().forEachRemaining(name -> assertThat(e.get(name)).as(name).isEqualTo(tree.get(name)));
    }
  }

  @Test
  void anAbsentMemberIsNullInAnswersAndMissingWhenRead() throws Exception {
    RecordedEvaluation e = RecordedEvaluation.of(JSON.readTree("{\"risk\":{\"band\":\"high\"}}"));
    ObjectNode o = JSON.createObjectNode();
    o.putRawValue("authority", e.raw("authority"));
    assertThat(JSON.readTree(JSON.writeValueAsBytes(o)).get("authority").isNull()).isTrue();
    assertThat(e.get("authority").isMissingNode()).isTrue();
    assertThat(e.get("risk").path("band").asText()).isEqualTo("high");
  }

  @Test
  void theLiveAndTheReplayedFormAreTheSame() throws Exception {
    JsonNode live = JSON.readTree("{\"risk\":{\"score\":0.0,\"band\":\"low\"},\"gates\":[]}");
    RecordedEvaluation fromTree = RecordedEvaluation.of(live);
    RecordedEvaluation fromBytes = RecordedEvaluation.ofCanonical(CanonicalJson.encode(live));
    assertThat(fromTree).isEqualTo(fromBytes);
    assertThat(new String(fromTree.canonical(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("{\"gates\":[],\"risk\":{\"band\":\"low\",\"score\":0}}");
  }
}
