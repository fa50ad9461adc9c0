package dev.arbiter.server;

import static dev.arbiter.server.DecisionApiTest.DEPLOY_PROD;
import static dev.arbiter.server.DecisionApiTest.READ_DEV;
import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.server.TestServer.Response;
import org.junit.jupiter.api.Test;

/**
 * An Idempotency-Key of {@code POST /v1/decisions} belongs to the authenticated caller that used it:
 * another caller with the same key gets its own decision, never the first caller's id or a conflict
 * recorded on the first caller's decision; before and after a restart.
 */
class IdempotencyScopeTest extends ServerTest {
  static final String ALICE_READ = READ_DEV.replace("agent_smoke", "alice");
  static final String BOB_DEPLOY = DEPLOY_PROD.replace("\"ci\"", "\"bob\"");
  static final String NO_ACTOR = READ_DEV.replace("\"actor\":{\"id\":\"agent_smoke\"},", "");

  @Test
  void sameKey_twoCallers_eachGetTheirOwnDecision_andNeitherTouchesTheOther() throws Exception {
    Response alice = t.post("/v1/decisions", "shared", ALICE_READ);
    Response bob = t.post("/v1/decisions", "shared", BOB_DEPLOY);
    assertThat(alice.status()).isEqualTo(201);
    assertThat(bob.status()).as("not 409 with alice's decision").isEqualTo(201);
    String a = alice.json().get("decision_id").asText();
    String b = bob.json().get("decision_id").asText();
    assertThat(b).isNotEqualTo(a);

    for (int round = 0; round < 2; round++) {
      assertThat(id(t.post("/v1/decisions", "shared", ALICE_READ), 200)).isEqualTo(a);
      assertThat(id(t.post("/v1/decisions", "shared", BOB_DEPLOY), 200)).isEqualTo(b);
      Response bobOther = t.post("/v1/decisions", "shared", READ_DEV.replace("agent_smoke", "bob"));
      assertThat(id(bobOther, 409)).as("bob's own key, another request of bob's").isEqualTo(b);
      assertThat(t.trail(a)).as("nothing of bob's is recorded on alice's decision").doesNotContain("decision.request_rejected");
      t.restart();
    }
  }

  @Test
  void sameKey_requestsWithoutAnActor_areScopedByTheCaller_acrossARestart() throws Exception {
    String aliceToken = TestIdentity.token("alice");
    String bobToken = TestIdentity.token("bob");
    String a = id(t.postAs(aliceToken, "/v1/decisions", "anon-key", NO_ACTOR), 201);
    String b = id(t.postAs(bobToken, "/v1/decisions", "anon-key", NO_ACTOR), 201);
    assertThat(b).isNotEqualTo(a);
    assertThat(TestServer.JSON.readTree(t.entries(b).get(0).envelope()).get("actor").get("id").asText()).isEqualTo("bob");

    t.restart();

    assertThat(id(t.postAs(aliceToken, "/v1/decisions", "anon-key", NO_ACTOR), 200)).isEqualTo(a);
    assertThat(id(t.postAs(bobToken, "/v1/decisions", "anon-key", NO_ACTOR), 200)).isEqualTo(b);
    assertThat(t.trail(a)).doesNotContain("decision.request_rejected");
  }

  private static String id(Response r, int status) throws Exception {
    assertThat(r.status()).as(r.toString().substring(0, Math.min(300, r.toString().length()))).isEqualTo(status);
    return r.json().get("decision_id").asText();
  }
}
