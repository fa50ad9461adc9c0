package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.policy.PolicyBundle;
import dev.arbiter.core.policy.PolicyBundles;
import dev.arbiter.server.TestServer.Response;
import dev.arbiter.server.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A decision is pinned to the bundle it was made under. Once the operator activates another bundle
 * (here a change freeze that denies everything), decisions pinned to the old one are no longer
 * approved, granted or executed: never an older policy (DESIGN §5). They can still be rejected.
 */
class PolicySupersededTest extends ServerTest {
  private final SigningKey aliceKey = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
  private final SigningKey bobKey = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
  private final String alice = TestIdentity.token("alice", "supervisor");
  private final String bob = TestIdentity.token("bob", "manager");
  private final String gateway = TestIdentity.token("gateway-1", "arbiter-gateway");

  @BeforeEach
  void enrol() throws Exception {
    for (var p : new Object[][] {{alice, aliceKey}, {bob, bobKey}}) {
      assertThat(t.enrol((String) p[0], (SigningKey) p[1]).status()).isEqualTo(201);
    }
  }

  private JsonNode challenge(String token, String id, String intent) throws Exception {
    return t.postAs(token, "/v1/decisions/" + id + "/challenge", UUID.randomUUID().toString(),
        "{\"intent\": \"" + intent + "\"}").json();
  }

  private Response sign(String token, SigningKey key, String id, JsonNode issued, String route) throws Exception {
    byte[] input = Base64.getDecoder().decode(issued.get("signing_input").asText());
    ObjectNode body = TestServer.JSON.createObjectNode();
    body.set("challenge", issued.get("challenge"));
    body.put("key_id", key.keyId().value()).put("signature", Base64.getEncoder().encodeToString(key.sign(input)));
    body.put("rationale", "reviewed");
    return t.postAs(token, "/v1/decisions/" + id + "/" + route, UUID.randomUUID().toString(), body.toString());
  }

  /** The example bundle under a new version whose first gate denies everything. */
  private PolicyBundle changeFreeze() throws Exception {
    Path to = dir.resolve("freeze");
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(TestServer.EXAMPLE)) {
      for (Path f : files.toList()) {
        String text = Files.readString(f);
        String name = f.getFileName().toString();
        if (name.equals("bundle.yaml")) {
          text = text.replace("version: \"2026.11.0\"", "version: \"2026.11.1\"");
        } else if (name.equals("gates.yaml")) {
          text = text.replaceFirst("(?m)^gates:\n", "gates:\n  - id: change-freeze\n    when: 'true'\n    effect: deny\n"
              + "    reason: change freeze\n");
        }
        Files.writeString(to.resolve(name), text);
      }
    }
    return PolicyBundles.loadDirectory(to);
  }

  private void activate(PolicyBundle bundle) throws Exception {
    t.server.close();
    t.server = ArbiterServer.start(ServerConfig.defaults().withAddress("127.0.0.1", 0), t.ledger, bundle,
        ArbiterServer.PolicySource.DEVELOPMENT, t.clock, t.security());
  }

  @Test
  void decisionsPinnedToASupersededBundle_areNotApprovedGrantedOrExecuted() throws Exception {
    String pending = t.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY).json().get("decision_id").asText();
    assertThat(sign(alice, aliceKey, pending, challenge(alice, pending, "approve"), "approvals").status()).isEqualTo(200);
    JsonNode allowed = t.post("/v1/decisions", UUID.randomUUID().toString(), ExecutionApiTest.READ).json();
    String allowedId = allowed.get("decision_id").asText();
    String grantIssuedBefore = allowed.get("grant").asText();
    JsonNode challengeIssuedBefore = challenge(bob, pending, "approve");

    PolicyBundle freeze = changeFreeze();
    activate(freeze);
    assertThat(t.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY).json().get("status").asText())
        .as("the active bundle denies this deploy").isEqualTo("denied");

    // The second approval would complete the quorum. A challenge from before the change died with
    // the process that issued it; a new one is refused, saying why.
    Response withOld = sign(bob, bobKey, pending, challengeIssuedBefore, "approvals");
    assertThat(withOld.status()).as(withOld.toString()).isEqualTo(403);
    Response newChallenge = t.postAs(bob, "/v1/decisions/" + pending + "/challenge", UUID.randomUUID().toString(),
        "{\"intent\": \"approve\"}");
    assertThat(newChallenge.status()).isEqualTo(403);
    assertThat(newChallenge.json().get("reason").asText()).isEqualTo("policy_superseded");
    assertThat(newChallenge.json().get("detail").asText()).contains(freeze.hash());
    assertThat(t.json(pending).get("status").asText()).isEqualTo("pending_authority");
    assertThat(t.trail(pending)).endsWith("approval.rejected").doesNotContain("grant.issued");

    // An authorized decision gets no new grant, and the grant it had does not start an execution.
    Response grant = t.getAs(TestIdentity.token("agent-7"), "/v1/decisions/" + allowedId + "/grant");
    assertThat(grant.status()).isEqualTo(409);
    assertThat(grant.json().get("type").asText()).isEqualTo("https://arbiter.dev/problems/grant-not-available");
    Response started = t.postAs(gateway, "/v1/executions", "s-1", "{\"grant\": \"" + grantIssuedBefore + "\", \"phase\": \"started\"}");
    assertThat(started.status()).isEqualTo(409);
    assertThat(t.trail(allowedId)).endsWith("execution.refused").doesNotContain("execution.started");
    assertThat(t.payload(t.entries(allowedId).get(t.entries(allowedId).size() - 1)).get("reason").asText())
        .isEqualTo("policy_superseded");
  }

  @Test
  void aDecisionPinnedToASupersededBundle_canStillBeRejected() throws Exception {
    String pending = t.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY).json().get("decision_id").asText();
    activate(changeFreeze());

    Response rejected = sign(alice, aliceKey, pending, challenge(alice, pending, "reject"), "rejections");

    assertThat(rejected.status()).as(rejected.toString()).isEqualTo(200);
    assertThat(t.json(pending).get("status").asText()).isEqualTo("denied");
  }

  @Test
  void restartingWithTheSameBundle_changesNothing() throws Exception {
    String pending = t.post("/v1/decisions", UUID.randomUUID().toString(), ApprovalTest.DEPLOY).json().get("decision_id").asText();
    t.restart();

    assertThat(sign(alice, aliceKey, pending, challenge(alice, pending, "approve"), "approvals").status()).isEqualTo(200);
    assertThat(sign(bob, bobKey, pending, challenge(bob, pending, "approve"), "approvals").status()).isEqualTo(200);
    assertThat(t.json(pending).get("status").asText()).isEqualTo("authorized");
    assertThat(t.getAs(TestIdentity.token("agent-7"), "/v1/decisions/" + pending + "/grant").status()).isEqualTo(200);
  }
}
