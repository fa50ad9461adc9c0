package dev.arbiter.server;

import static dev.arbiter.server.DecisionApiTest.READ_DEV;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.server.TestServer.Response;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Idempotency-Keys of {@code POST /v1/decisions} after a restart: every key of the idempotency
 * window is remembered (not only those of the decisions whose state is cached), and it resolves to
 * the decision it resolved to before the restart.
 */
class IdempotencyReplayTest {
  @TempDir Path dir;

  @Test
  void restart_remembersKeysOfMoreDecisionsThanTheStateCache_andReplaysTheFirstDecision() throws Exception {
    try (TestServer t = TestServer.start(dir)) { // defaults: 128 states, 100,000 keys
      Response first = t.post("/v1/decisions", "k-first", READ_DEV);
      assertThat(first.status()).isEqualTo(201);
      for (int i = 0; i < 128; i++) {
        assertThat(t.post("/v1/decisions", "k-" + i, READ_DEV).status()).isEqualTo(201);
      }
      Response before = t.post("/v1/decisions", "k-first", READ_DEV);
      assertThat(before.status()).isEqualTo(200);
      long size = t.ledgerSize();

      t.restart();

      Response retry = t.post("/v1/decisions", "k-first", READ_DEV);
      assertThat(retry.status()).as(retry.toString()).isEqualTo(200);
      assertThat(retry.json().get("decision_id")).isEqualTo(first.json().get("decision_id"));
      assertThat(retry.json().has("grant")).as("as before the restart: an evicted state has no grant in hand")
          .isEqualTo(before.json().has("grant"));
      assertThat(t.ledgerSize()).as("no new decision, no new grant").isEqualTo(size);
      Response conflict = t.post("/v1/decisions", "k-first", DecisionApiTest.DEPLOY_PROD_BY_SMOKE);
      assertThat(conflict.status()).isEqualTo(409);
      assertThat(conflict.json().get("decision_id")).isEqualTo(first.json().get("decision_id"));
    }
  }

  @Test
  void restart_aKeyReusedAfterItLeftTheWindow_resolvesToTheSameDecisionAsBefore() throws Exception {
    try (TestServer t = TestServer.startWithCache(dir, 16, 32)) {
      String older = t.post("/v1/decisions", "reused", READ_DEV).json().get("decision_id").asText();
      for (int i = 0; i < 32; i++) { // the key leaves the 32-key window
        assertThat(t.post("/v1/decisions", "push-" + i, READ_DEV).status()).isEqualTo(201);
      }
      String reader = READ_DEV.replace("\"s1\"", "\"s2\"");
      Response newer = t.post("/v1/decisions", "reused", reader);
      assertThat(newer.status()).as("a forgotten key is a new decision").isEqualTo(201);
      for (int i = 0; i < 16; i++) { // its state leaves the 16-state cache; its key stays in the window
        assertThat(t.post("/v1/decisions", "more-" + i, READ_DEV).status()).isEqualTo(201);
      }
      Response live = t.post("/v1/decisions", "reused", reader);
      assertThat(live.status()).isEqualTo(200);

      t.restart();

      Response replay = t.post("/v1/decisions", "reused", reader);
      assertThat(replay.status()).as(replay.toString()).isEqualTo(200);
      assertThat(replay.json().get("decision_id")).isEqualTo(newer.json().get("decision_id"))
          .isEqualTo(live.json().get("decision_id"));
      Response oldBody = t.post("/v1/decisions", "reused", READ_DEV);
      assertThat(oldBody.status()).as("the newest decision of the key wins, as before").isEqualTo(409);
      assertThat(oldBody.json().get("decision_id")).isEqualTo(newer.json().get("decision_id"));
      assertThat(t.trail(older)).doesNotContain("decision.request_rejected");
    }
  }
}
