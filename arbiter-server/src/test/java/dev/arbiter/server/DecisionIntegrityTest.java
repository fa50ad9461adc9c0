package dev.arbiter.server;

import static dev.arbiter.server.DecisionApiTest.DEPLOY_PROD;
import static dev.arbiter.server.DecisionApiTest.READ_DEV;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.arbiter.ledger.event.Actor;
import dev.arbiter.ledger.event.EventDraft;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A decision whose trail on the ledger is illegal (only possible by tampering or a foreign writer):
 * start-up refuses it wherever it lies in the ledger, and the paths that go through many decisions
 * (the expiry sweep, the pending listing) skip one they cannot fold instead of failing for all.
 */
class DecisionIntegrityTest {
  @TempDir Path dir;

  /** pending_authority → executed is not a legal transition. */
  private static long confirmWithoutExecution(TestServer t, String decisionId) {
    return t.ledger.append(new EventDraft(decisionId, "execution.confirmed", null, new Actor("mallory", "gateway"),
        JsonNodeFactory.instance.objectNode().put("execution_id", "exe_forged"))).join().receipt().leafIndex();
  }

  private static String create(TestServer t, String key, String body) throws Exception {
    TestServer.Response r = t.post("/v1/decisions", key, body);
    assertThat(r.status()).isEqualTo(201);
    return r.json().get("decision_id").asText();
  }

  @Test
  void anIllegalTrailBeyondTheReplayWindow_stopsStartUp_namingItsLeaf() throws Exception {
    try (TestServer t = TestServer.startWithCache(dir, 16, 1000)) {
      String bad = create(t, "deploy", DEPLOY_PROD);
      for (int i = 0; i < 20; i++) { // the decision leaves the 16-state window of the replay
        create(t, "read-" + i, READ_DEV);
      }
      long leaf = confirmWithoutExecution(t, bad);

      assertThatThrownBy(t::restart).hasStackTraceContaining("leaf " + leaf + " of " + bad)
          .hasStackTraceContaining("pending_authority");
    }
  }

  @Test
  void anIllegalTrailFoundAfterStartUp_isSkippedByTheSweepAndTheListing_notAFailureForEveryone() throws Exception {
    try (TestServer t = TestServer.startWithCache(dir, 16, 1000)) {
      String bad = create(t, "deploy-bad", DEPLOY_PROD);
      String good = create(t, "deploy-good", DEPLOY_PROD.replace("release checkout", "release cart"));
      for (int i = 0; i < 20; i++) { // both leave the 16-state cache: they are re-read from the ledger
        create(t, "read-" + i, READ_DEV);
      }
      confirmWithoutExecution(t, bad);

      TestServer.Response listing = t.get("/v1/decisions?status=pending_authority");
      assertThat(listing.status()).as(listing.toString()).isEqualTo(200);
      List<String> listed = new ArrayList<>();
      for (JsonNode d : listing.json().get("decisions")) {
        listed.add(d.get("decision_id").asText());
      }
      assertThat(listed).contains(good).doesNotContain(bad);

      t.clock.advance(Duration.ofDays(7));
      assertThat(t.server.engine().expireDue()).as("the sweep goes on past the bad decision").isEqualTo(1);
      assertThat(t.get("/v1/decisions/" + good).json().get("status").asText()).isEqualTo("expired");
      assertThat(t.get("/v1/decisions/" + bad).status()).isEqualTo(500);
    }
  }
}
