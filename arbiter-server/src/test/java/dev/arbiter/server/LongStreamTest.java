package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.arbiter.ledger.event.Actor;
import dev.arbiter.ledger.event.EventDraft;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A decision whose stream grew past one page of events (refusals are unauthenticated and recorded)
 * must still read with its real status when it is re-read from the ledger, not a stale one.
 */
class LongStreamTest {
  @TempDir Path dir;
  TestServer t;

  @AfterEach
  void stop() {
    t.close();
  }

  @Test
  void reReadFromTheLedger_afterMoreThanOnePageOfEvents_showsTheRealStatus() throws Exception {
    t = TestServer.startWithCache(dir, 16);
    String id = t.post("/v1/decisions", "long-1", DecisionApiTest.DEPLOY_PROD).json().get("decision_id").asText();
    List<EventDraft> noise = new ArrayList<>();
    for (int i = 0; i < 10_050; i++) {
      noise.add(new EventDraft(id, "decision.transition_rejected", null, new Actor("mallory", "claimant"),
          JsonNodeFactory.instance.objectNode().put("reason", "not_proposer").put("n", i)));
      if (noise.size() == 1000) {
        t.ledger.appendAll(noise).join();
        noise.clear();
      }
    }
    t.ledger.appendAll(noise).join();
    assertThat(t.post("/v1/decisions/" + id + "/cancel", "long-c", DecisionLifecycleTest.CANCEL_CI).status()).isEqualTo(200);

    for (int i = 0; i < 20; i++) { // push the decision out of the 16-entry cache
      assertThat(t.post("/v1/decisions", "evict-" + i, DecisionApiTest.READ_DEV).status()).isEqualTo(201);
    }

    assertThat(t.get("/v1/decisions/" + id).json().get("status").asText()).isEqualTo("cancelled");
    assertThat(t.post("/v1/decisions/" + id + "/cancel", "long-c2", DecisionLifecycleTest.CANCEL_CI).status()).isEqualTo(409);
  }

  @Test
  void readsOfOldDecisions_neverEvictARecentIdempotencyKey() throws Exception {
    t = TestServer.startWithCache(dir, 16);
    java.util.List<String> old = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      old.add(t.post("/v1/decisions", "old-" + i, DecisionApiTest.READ_DEV).json().get("decision_id").asText());
    }
    String recent = t.post("/v1/decisions", "recent", DecisionApiTest.DEPLOY_PROD).json().get("decision_id").asText();
    for (String id : old) { // on-demand reads of older decisions fill the decision cache
      assertThat(t.get("/v1/decisions/" + id).status()).isEqualTo(200);
    }
    TestServer.Response retry = t.post("/v1/decisions", "recent", DecisionApiTest.DEPLOY_PROD);
    assertThat(retry.status()).as("a client retry still replays").isEqualTo(200);
    assertThat(retry.json().get("decision_id").asText()).isEqualTo(recent);
  }

  @Test
  void theIdempotencyWindow_outlivesTheStateCache_replaysAndConflictsFromTheLedger() throws Exception {
    t = TestServer.startWithCache(dir, 16, 1_000);
    String first = t.post("/v1/decisions", "first", DecisionApiTest.READ_DEV).json().get("decision_id").asText();
    for (int i = 0; i < 40; i++) { // the first decision's state leaves the 16-state cache; its key stays
      assertThat(t.post("/v1/decisions", "later-" + i, DecisionApiTest.READ_DEV).status()).isEqualTo(201);
    }
    TestServer.Response retry = t.post("/v1/decisions", "first", DecisionApiTest.READ_DEV);
    assertThat(retry.status()).as("a retry replays the decision re-read from the ledger").isEqualTo(200);
    assertThat(retry.json().get("decision_id").asText()).isEqualTo(first);
    assertThat(retry.json().get("gates").size()).as("with its whole evaluation").isGreaterThan(0);

    TestServer.Response other = t.post("/v1/decisions", "first", DecisionApiTest.DEPLOY_PROD_BY_SMOKE);
    assertThat(other.status()).as("the same key for another request").isEqualTo(409);
    assertThat(t.trail(first)).contains("decision.request_rejected");
  }

  @Test
  void unauthenticatedRefusals_areRecordedUpToACap_andStillRefusedAfterIt() throws Exception {
    t = TestServer.start(dir);
    String id = t.post("/v1/decisions", "cap-1", DecisionApiTest.DEPLOY_PROD).json().get("decision_id").asText();
    int before = t.trail(id).size();
    for (int i = 0; i < 130; i++) {
      assertThat(t.post("/v1/decisions/" + id + "/cancel", "cap-c" + i, "{\"actor\":{\"id\":\"mallory\"}}").status())
          .isEqualTo(403);
    }
    long recorded = t.trail(id).stream().filter("decision.transition_rejected"::equals).count();
    assertThat(recorded).isEqualTo(100);
    assertThat(t.trail(id)).hasSize(before + 100);
    assertThat(t.get("/v1/decisions/" + id).json().get("status").asText()).isEqualTo("pending_authority");
  }
}
