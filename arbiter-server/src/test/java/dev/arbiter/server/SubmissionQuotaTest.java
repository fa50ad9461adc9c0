package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.server.TestServer.Response;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review: any authenticated subject, with no role at all, could submit decisions without bound (each
 * one a ledger write) and keep any number of them pending (each in memory and in every approver's
 * listing until it expires).
 */
class SubmissionQuotaTest {
  @TempDir Path dir;
  private TestServer t;

  @AfterEach
  void stop() {
    if (t != null) {
      t.close();
    }
  }

  private static String deploy(String actor) {
    return ApprovalTest.DEPLOY.replace("agent-7", actor);
  }

  private static final String READ = """
      {"action": {"class": "read", "tool": "grafana", "intent": "check error rate",
                  "target": {"type": "dashboard", "id": "payments-slo"}, "payload": {}},
       "context": {"actor": {"id": "nobody"}, "environment": "dev"}}""";

  @Test
  void aCallerPastItsSubmissionsPerMinute_isRateLimited_andOthersAreNot() throws Exception {
    t = TestServer.startWith(dir, c -> c.withSubmissionQuota(5, 1_000));
    for (int i = 0; i < 5; i++) {
      assertThat(t.post("/v1/decisions", UUID.randomUUID().toString(), READ).status()).isEqualTo(201);
    }

    Response refused = t.post("/v1/decisions", UUID.randomUUID().toString(), READ);

    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/rate-limited");
    assertThat(refused.retryAfter()).isNotNull();
    assertThat(t.post("/v1/decisions", UUID.randomUUID().toString(), READ.replace("nobody", "somebody")).status())
        .isEqualTo(201);
    t.clock.advance(Duration.ofSeconds(61));
    assertThat(t.post("/v1/decisions", UUID.randomUUID().toString(), READ).status()).isEqualTo(201);
  }

  @Test
  void aProposerWithTheMostPendingDecisions_isRefused_untilOneIsDecided() throws Exception {
    t = TestServer.startWith(dir, c -> c.withSubmissionQuota(1_000, 3));
    String first = UUID.randomUUID().toString();
    String firstId = t.post("/v1/decisions", first, deploy("agent-7")).json().get("decision_id").asText();
    for (int i = 0; i < 2; i++) {
      assertThat(t.post("/v1/decisions", UUID.randomUUID().toString(), deploy("agent-7")).json().get("status").asText())
          .isEqualTo("pending_authority");
    }
    long size = t.ledgerSize();

    Response refused = t.post("/v1/decisions", UUID.randomUUID().toString(), deploy("agent-7"));

    assertThat(refused.status()).as(refused.toString()).isEqualTo(409);
    assertThat(refused.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/too-many-pending");
    assertThat(t.ledgerSize()).as("nothing recorded").isEqualTo(size);
    assertThat(t.post("/v1/decisions", first, deploy("agent-7")).status()).as("a retry replays").isEqualTo(200);
    assertThat(t.post("/v1/decisions", UUID.randomUUID().toString(), deploy("agent-8")).status()).isEqualTo(201);

    assertThat(t.post("/v1/decisions/" + firstId + "/cancel", UUID.randomUUID().toString(),
        "{\"actor\": {\"id\": \"agent-7\"}}").status()).isEqualTo(200);
    Thread.sleep(1_100); // the pending index is counted again at most once a second

    assertThat(t.post("/v1/decisions", UUID.randomUUID().toString(), deploy("agent-7")).status()).isEqualTo(201);
  }

  @Test
  void theCountSurvivesARestart() throws Exception {
    t = TestServer.startWith(dir, c -> c.withSubmissionQuota(1_000, 2));
    for (int i = 0; i < 2; i++) {
      assertThat(t.post("/v1/decisions", UUID.randomUUID().toString(), deploy("agent-7")).status()).isEqualTo(201);
    }
    t.restart();

    assertThat(t.post("/v1/decisions", UUID.randomUUID().toString(), deploy("agent-7")).status()).isEqualTo(409);
  }
}
