package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review: {@code GET /v1/decisions/{id}/grant} of a decision evicted from the state cache signed a
 * new grant and wrote a new {@code grant.issued} on every call. A still-valid grant is now signed
 * again from what its {@code grant.issued} records: the same grant, nothing written.
 */
class GrantRefetchTest {
  @TempDir Path dir;
  private TestServer t;

  @AfterEach
  void stop() {
    if (t != null) {
      t.close();
    }
  }

  private static final String READ = """
      {"action": {"class": "read", "tool": "grafana", "intent": "check error rate",
                  "target": {"type": "dashboard", "id": "payments-slo"}, "payload": {"panel": 4}},
       "context": {"actor": {"id": "agent-9"}, "environment": "dev"}}""";

  private JsonNode fetch(String id) throws Exception {
    TestServer.Response r = t.getAs(TestIdentity.token("agent-9"), "/v1/decisions/" + id + "/grant");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  private long issued(String id) throws Exception {
    return Collections.frequency(t.trail(id), "grant.issued");
  }

  private void evict() throws Exception {
    for (int i = 0; i < 20; i++) {
      assertThat(t.post("/v1/decisions", UUID.randomUUID().toString(), READ).status()).isEqualTo(201);
    }
  }

  @Test
  void aValidGrant_isReturnedAgainAfterEviction_andAfterARestart_withoutANewGrantIssued() throws Exception {
    t = TestServer.startWithCache(dir, 16);
    JsonNode submitted = t.post("/v1/decisions", UUID.randomUUID().toString(), READ).json();
    String id = submitted.get("decision_id").asText();
    String grant = submitted.get("grant").asText();
    evict();

    JsonNode first = fetch(id);
    evict();
    JsonNode second = fetch(id);
    t.restart();
    JsonNode third = fetch(id);

    assertThat(issued(id)).isEqualTo(1);
    for (JsonNode g : new JsonNode[] {first, second, third}) {
      assertThat(g.get("grant").asText()).isEqualTo(grant);
      assertThat(g.get("grant_id").asText()).isEqualTo(first.get("grant_id").asText());
    }
  }

  @Test
  void anExpiredGrant_isReplacedOnce() throws Exception {
    t = TestServer.startWithCache(dir, 16);
    String id = t.post("/v1/decisions", UUID.randomUUID().toString(), READ).json().get("decision_id").asText();
    String old = fetch(id).get("grant_id").asText();
    t.clock.advance(Duration.ofMinutes(11)); // grants are valid 10 minutes
    evict();

    String renewed = fetch(id).get("grant_id").asText();
    evict();
    String again = fetch(id).get("grant_id").asText();

    assertThat(renewed).isNotEqualTo(old);
    assertThat(again).isEqualTo(renewed);
    assertThat(issued(id)).isEqualTo(2);
  }
}
