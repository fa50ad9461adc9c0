package dev.arbiter.gateway;

import static dev.arbiter.gateway.GatewayHarness.assertProblem;
import static dev.arbiter.gateway.GatewayHarness.toolLog;
import static dev.arbiter.gateway.GatewayHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.gateway.GovernedWorld.MintedGrant;
import dev.arbiter.gateway.execution.ExecutionRecorder.Started;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway forwards only once the answer to its start proves, with the pinned ledger key, that
 * this call's {@code execution.started} is on the ledger. Black-box run: a stand-in at the engine's URL
 * answering {@code {"execution_id": "exe_fake"}} (or a receipt of anything) unlocked the tool. Each
 * forged answer here follows a real recorded start, so the give-up that closes it is checked too.
 */
class GatewayStartProofTest {
  @TempDir Path dir;
  GatewayHarness h;
  volatile JsonNode grantReceipt;

  @BeforeEach
  void start() throws Exception {
    h = new GatewayHarness(dir);
  }

  @AfterEach
  void stop() {
    h.close();
  }

  @Test
  void anAnswerWithoutAProvenStart_forwardsNothing_andTheStartIsGivenUp() throws Exception {
    refused("no receipt and no event", s -> new Started(s.executionId(), null, null));
    refused("a receipt without its event", s -> new Started(s.executionId(), s.receipt(), null));
    refused("an empty receipt", s -> new Started(s.executionId(), JsonNodeFactory.instance.objectNode(), s.event()));
    refused("another execution id than the recorded one", s -> new Started("exe_other", s.receipt(), s.event()));
    refused("the event of another attempt, its receipt unchanged", s -> new Started(s.executionId(), s.receipt(),
        with(s.event(), "attempt", "someone-else")));
    refused("a receipt of another event (the grant's own)", s -> new Started(s.executionId(), grantReceipt,
        s.event()));
    refused("a flipped inclusion proof", s -> {
      ObjectNode r = s.receipt().deepCopy();
      var proof = (com.fasterxml.jackson.databind.node.ArrayNode) r.get("inclusion_proof");
      if (!proof.isEmpty()) {
        String first = proof.get(0).asText();
        proof.set(0, JsonNodeFactory.instance.textNode((first.charAt(0) == 'a' ? "b" : "a") + first.substring(1)));
      } else {
        r.put("prev_entry_hash", "00".repeat(32).replaceFirst("00", "01"));
      }
      return new Started(s.executionId(), r, s.event());
    });

    h.recorder.startAnswers(null);
    ObjectNode payload = GovernedWorld.payload("payments-api", "9.9.9");
    MintedGrant real = h.world.mint("deployer", "deploy", payload);
    assertThat(h.call("deployer", real.compact(), payload).statusCode()).as("the real answer is proof").isEqualTo(200);
    assertThat(toolLog(h.deployer)).hasSize(1);
  }

  private void refused(String what, UnaryOperator<Started> forge) throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "1." + Math.abs(what.hashCode()));
    MintedGrant g = h.world.mint("deployer", "deploy", payload);
    grantReceipt = g.grant().receipt();
    h.recorder.startAnswers(forge);

    assertProblem(h.call("deployer", g.compact(), payload), 503, "ledger-unavailable", null);
    assertThat(toolLog(h.deployer)).as(what).isEmpty();
    await(() -> h.recorder.abandoned().contains(g.grantId()));
    assertThat(h.recorder.abandoned()).as("%s: the start is given up", what).contains(g.grantId());
  }

  private static JsonNode with(JsonNode event, String field, String value) {
    ObjectNode e = event.deepCopy();
    ((ObjectNode) e.get("payload")).put(field, value);
    return e;
  }
}
