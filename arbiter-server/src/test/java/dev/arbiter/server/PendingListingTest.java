package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.server.TestServer.Response;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review: the pending listing embedded every decision whole (payload, gates, a receipt rebuilt from
 * the store for each evicted one) and built the answer as one byte array: 40 pending deploys with
 * 60 KB of notes made a 2.69 MB answer, and {@code limit} went to 1,000.
 */
class PendingListingTest {
  @TempDir Path dir;
  private TestServer t;

  @AfterEach
  void stop() {
    if (t != null) {
      t.close();
    }
  }

  private static String deploy(int i, String notes, String intent) {
    return """
        {"action": {"class": "deploy", "tool": "deployer", "intent": "%s",
                    "target": {"type": "service", "id": "checkout-%d"},
                    "payload": {"image": "registry.internal/checkout:1.42.%d", "change_ticket": "CHG-2291", "notes": "%s"}},
         "context": {"actor": {"id": "agent-7"}, "environment": "production"}}""".formatted(intent, i, i, notes);
  }

  private List<String> submit(int n, String notes, String intent) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Response r = t.post("/v1/decisions", UUID.randomUUID().toString(), deploy(i, notes, intent));
      assertThat(r.status()).as(r.toString()).isEqualTo(201);
      assertThat(r.json().get("status").asText()).isEqualTo("pending_authority");
      ids.add(r.json().get("decision_id").asText());
    }
    return ids;
  }

  @Test
  void listedDecisions_areSummariesWithoutPayloadOrReceipt_andStayBounded() throws Exception {
    t = TestServer.startWithCache(dir, 16); // most of them are re-read from the ledger
    String notes = "release notes line. ".repeat(3_000); // 60 KB
    List<String> ids = submit(40, notes, "release checkout");

    Response l = t.get("/v1/decisions?status=pending_authority&limit=1000");

    assertThat(l.status()).isEqualTo(200);
    JsonNode listed = l.json().get("decisions");
    assertThat(listed).hasSize(40);
    assertThat(l.body().length()).as("the answer's size").isLessThan(40 * 4_000);
    for (JsonNode d : listed) {
      assertThat(d.get("summary").asBoolean()).isTrue();
      assertThat(d.has("receipt")).isFalse();
      assertThat(d.has("gates")).isFalse();
      assertThat(d.path("request").path("action").has("payload")).isFalse();
      assertThat(d.path("request").path("action").path("payload_hash").asText()).startsWith("sha256:");
      // what `arbiter decisions list --pending` shows
      assertThat(d.path("request").path("action").path("class").asText()).isEqualTo("deploy");
      assertThat(d.path("request").path("action").path("tool").asText()).isEqualTo("deployer");
      assertThat(d.path("request").path("action").path("target").path("id").asText()).startsWith("checkout-");
      assertThat(d.path("risk").path("band").isTextual()).isTrue();
      assertThat(d.path("authority").path("min_signatures").isInt()).isTrue();
      assertThat(d.path("approvals").path("counted").isInt()).isTrue();
      assertThat(d.path("expires_at").isTextual()).isTrue();
      assertThat(d.path("proposer").asText()).isEqualTo("agent-7");
    }
    // the full decision is still there for whoever may read it
    assertThat(ids).contains(listed.get(0).get("decision_id").asText());
    JsonNode full = t.get("/v1/decisions/" + listed.get(0).get("decision_id").asText()).json();
    assertThat(full.path("request").path("action").path("payload").path("notes").asText()).isEqualTo(notes);
    assertThat(full.has("receipt")).isTrue();
    assertThat(listed.get(0).path("request").path("action").path("payload_hash").asText())
        .isEqualTo(dev.arbiter.core.grant.Grant.payloadHash(full.path("request").path("action").path("payload")));
  }

  @Test
  void aLimitAboveTheMost_isClamped() throws Exception {
    t = TestServer.start(dir);
    submit(101, "n", "release checkout");

    JsonNode all = t.get("/v1/decisions?status=pending_authority&limit=5000").json();
    JsonNode some = t.get("/v1/decisions?status=pending_authority&limit=3").json();
    Response zero = t.get("/v1/decisions?status=pending_authority&limit=0");

    assertThat(all.get("decisions")).hasSize(100);
    assertThat(all.get("limit").asInt()).isEqualTo(100);
    assertThat(some.get("decisions")).hasSize(3);
    assertThat(some.get("limit").asInt()).isEqualTo(3);
    assertThat(zero.status()).isEqualTo(400);
    for (String huge : new String[] {"99999999999", "99999999999999999999999"}) {
      JsonNode clamped = t.get("/v1/decisions?status=pending_authority&limit=" + huge).json();
      assertThat(clamped.get("limit").asInt()).as(huge).isEqualTo(100);
    }
    assertThat(t.get("/v1/decisions?status=pending_authority&limit=-5").status()).isEqualTo(400);
    assertThat(t.get("/v1/decisions?status=pending_authority&limit=ten").status()).isEqualTo(400);
  }

  @Test
  void longFreeText_isCutInTheSummary() throws Exception {
    t = TestServer.start(dir);
    String intent = "i".repeat(20_000);
    String id = submit(1, "n", intent).get(0);

    JsonNode d = t.get("/v1/decisions?status=pending_authority").json().get("decisions").get(0);

    assertThat(d.path("request").path("action").path("intent").asText()).hasSize(257).endsWith("…");
    assertThat(t.get("/v1/decisions/" + id).json().path("request").path("action").path("intent").asText()).isEqualTo(intent);
  }
}
