package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.server.TestServer.Response;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Review: the challenge store's one bound was shared by all callers, so role-less subjects could
 * fill it and lock every approver out; and a challenge refused because the decision was no longer
 * pending told anyone its status.
 */
class ChallengeQuotaTest extends ServerTest {
  private final String mallory = TestIdentity.token("mallory"); // no role at all
  private final String alice = TestIdentity.token("alice", "supervisor");
  private final String carol = TestIdentity.token("carol", "payments-manager"); // another domain

  private String pending() throws Exception {
    Response r = t.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY);
    assertThat(r.json().get("status").asText()).isEqualTo("pending_authority");
    return r.json().get("decision_id").asText();
  }

  private Response challenge(String token, String id) throws Exception {
    return t.postAs(token, "/v1/decisions/" + id + "/challenge", UUID.randomUUID().toString(), "{}");
  }

  @Test
  void aCallerWithTheMostOutstandingChallenges_isRefused_andApproversAreNot() throws Exception {
    String id = pending();
    for (int i = 0; i < 64; i++) {
      assertThat(challenge(mallory, id).status()).isEqualTo(201);
    }

    Response refused = challenge(mallory, id);

    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/rate-limited");
    assertThat(refused.retryAfter()).isNotNull();
    assertThat(challenge(alice, id).status()).isEqualTo(201);
    t.clock.advance(Duration.ofMinutes(6)); // expired ones are purged
    assertThat(challenge(mallory, pending()).status()).isEqualTo(201);
  }

  @Test
  void whileItIsPending_callersWhoMayNotReadTheDecision_stillGetAChallenge() throws Exception {
    String id = pending();

    Response wrongDomain = challenge(carol, id);
    Response requester = challenge(TestIdentity.token("agent-7"), id);

    assertThat(wrongDomain.status()).isEqualTo(201);
    assertThat(wrongDomain.json().has("decision")).isFalse();
    assertThat(requester.status()).isEqualTo(201);
  }

  @Test
  void aDecisionNoLongerPending_hidesItsStatusFromCallersWhoMayNotReadIt() throws Exception {
    String id = pending();
    assertThat(t.post("/v1/decisions/" + id + "/cancel", UUID.randomUUID().toString(),
        "{\"actor\": {\"id\": \"agent-7\"}}").status()).isEqualTo(200);

    Response stranger = challenge(mallory, id);
    Response otherDomain = challenge(carol, id);
    Response reader = challenge(alice, id);

    for (Response r : new Response[] {stranger, otherDomain}) {
      assertThat(r.status()).isEqualTo(409);
      assertThat(r.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/approval-rejected");
      assertThat(r.body()).doesNotContain("cancelled");
    }
    assertThat(reader.status()).isEqualTo(409);
    assertThat(reader.body()).contains("cancelled").contains("decision_not_pending");
  }
}
