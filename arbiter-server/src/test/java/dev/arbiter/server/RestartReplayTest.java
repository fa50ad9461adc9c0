package dev.arbiter.server;

import static dev.arbiter.server.DecisionApiTest.DEPLOY_PROD;
import static dev.arbiter.server.DecisionApiTest.READ_DEV;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.ledger.receipt.Receipt;
import dev.arbiter.ledger.receipt.ReceiptVerifier;
import dev.arbiter.server.TestServer.Response;
import dev.arbiter.server.engine.PolicyActivation;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger is the source of truth: a restarted server answers from what it replays. */
class RestartReplayTest {
  @TempDir Path dir;

  @Test
  void restart_replaysDecisionsIdempotencyKeysAndPendingExpiry_andActivatesThePolicyOnce() throws Exception {
    try (TestServer t = TestServer.start(dir)) {
      JsonNode allowed = t.post("/v1/decisions", "k-allow", READ_DEV).json();
      JsonNode pending = t.post("/v1/decisions", "k-pending", DEPLOY_PROD).json();
      String cancelled = t.post("/v1/decisions", "k-cancel", DEPLOY_PROD.replace("release checkout", "release cart")).json()
          .get("decision_id").asText();
      assertThat(t.post("/v1/decisions/" + cancelled + "/cancel", "c", DecisionLifecycleTest.CANCEL_CI).status()).isEqualTo(200);
      long size = t.ledgerSize();

      t.restart();

      Response got = t.get("/v1/decisions/" + allowed.get("decision_id").asText());
      assertThat(got.status()).isEqualTo(200);
      JsonNode g = got.json();
      assertThat(g.get("status").asText()).isEqualTo("authorized");
      assertThat(g.get("outcome").asText()).isEqualTo("allow");
      assertThat(g.get("risk")).isEqualTo(allowed.get("risk"));
      assertThat(g.get("gates")).isEqualTo(allowed.get("gates"));
      assertThat(g.get("policy")).isEqualTo(allowed.get("policy"));
      Receipt receipt = Receipt.fromJson(g.get("receipt"));
      new ReceiptVerifier(t.ledgerKey.verifyingKey()).verify(receipt);
      assertThat(receipt.leafIndex()).isEqualTo(allowed.get("receipt").get("leaf_index").asLong());

      Response replay = t.post("/v1/decisions", "k-allow", READ_DEV);
      assertThat(replay.status()).isEqualTo(200);
      assertThat(replay.json().get("decision_id")).isEqualTo(allowed.get("decision_id"));
      assertThat(t.post("/v1/decisions", "k-allow", DecisionApiTest.DEPLOY_PROD_BY_SMOKE).status()).isEqualTo(409);
      assertThat(t.get("/v1/decisions/" + cancelled).json().get("status").asText()).isEqualTo("cancelled");
      assertThat(t.ledgerSize()).as("only the 409's refusal was added").isEqualTo(size + 1);
      assertThat(t.entries(PolicyActivation.STREAM)).as("same bundle: activated once").hasSize(1);

      t.clock.advance(Duration.ofDays(7));
      assertThat(t.server.engine().expireDue()).isEqualTo(1);
      assertThat(t.get("/v1/decisions/" + pending.get("decision_id").asText()).json().get("status").asText()).isEqualTo("expired");
    }
  }
}
