package dev.arbiter.gateway;

import static dev.arbiter.gateway.GatewayHarness.assertProblem;
import static dev.arbiter.gateway.GatewayHarness.toolLog;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.grant.Grant;
import dev.arbiter.core.grant.GrantCodec;
import dev.arbiter.core.id.Ulid;
import dev.arbiter.gateway.GovernedWorld.MintedGrant;
import dev.arbiter.gateway.sample.SampleTool;
import dev.arbiter.gateway.verify.GatewayProof;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sample tool as an attacker between the gateway and the tool, or beside the gateway, would try
 * it: calls with a valid gateway proof that was made for something else, and a disk that fails.
 */
class SampleToolTest {
  @TempDir Path dir;
  GatewayHarness h;
  GovernedWorld world;

  @BeforeEach
  void start() throws Exception {
    h = new GatewayHarness(dir);
    world = h.world;
  }

  @AfterEach
  void stop() {
    h.close();
  }

  /** A call straight to the tool with a valid proof made for {@code /execute} and this body. */
  HttpResponse<String> direct(SampleTool tool, String requestTarget, MintedGrant g, byte[] body) throws Exception {
    String proof = new GatewayProof(g.grantId(), g.grant().tool(), "POST", SampleTool.PATH, GatewayProof.bodyHash(body),
        Instant.now(), "bm9uY2Vub25jZQ").sign(world.gatewayKey);
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tool.port() + requestTarget))
        .header(GatewayProof.GRANT_HEADER, g.compact()).header(GatewayProof.HEADER, proof)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    return h.http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void queryStringNoSignatureCovers_isRefused() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "2.0.0");
    MintedGrant g = world.mint("deployer", "deploy", payload);

    HttpResponse<String> r = direct(h.deployer, SampleTool.PATH + "?dry_run=false&region=everywhere", g,
        CanonicalJson.encode(payload));

    assertProblem(r, 403, "ungoverned-call", "request_mismatch");
    assertThat(toolLog(h.deployer)).isEmpty();
    // the same proof and grant without the query are what the gateway would have sent: accepted
    assertThat(direct(h.deployer, SampleTool.PATH, g, CanonicalJson.encode(payload)).statusCode()).isEqualTo(200);
  }

  @Test
  void aSecondGrantOfTheSameDecision_isNotExecutedAgain() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "2.0.1");
    MintedGrant first = world.mint("deployer", "deploy", payload);
    Grant f = first.grant();
    // what the engine may hand out for the same decision (e.g. after a restart) while the first is valid
    Grant again = new Grant("gnt_" + Ulid.system().next(), f.decisionId(), f.actionClass(), f.tool(), f.target(),
        f.environment(), f.payloadHash(), f.policyHash(), f.receipt(), f.notBefore(), f.expiresAt(), f.nonce() + "x");
    MintedGrant second = new MintedGrant(again, GrantCodec.sign(again, world.engineKey));
    byte[] body = CanonicalJson.encode(payload);

    assertThat(direct(h.deployer, SampleTool.PATH, first, body).statusCode()).isEqualTo(200);
    assertProblem(direct(h.deployer, SampleTool.PATH, second, body), 409, "grant-already-used", "decision_already_executed");

    assertThat(toolLog(h.deployer)).hasSize(1);
    assertThat(toolLog(h.deployer).get(0).path("decision_id").asText()).isEqualTo(f.decisionId());
    assertThat(toolLog(h.deployer).get(0).path("environment").asText()).isEqualTo("production");
    assertThat(toolLog(h.deployer).get(0).path("target").path("id").asText()).isEqualTo("payments-api");
  }

  @Test
  void anUngovernedCall_isRefusedBeforeItsBodyIsRead() throws Exception {
    try (Socket s = new Socket("127.0.0.1", h.deployer.port())) {
      OutputStream out = s.getOutputStream();
      // a megabyte announced, one byte sent: the refusal must not wait for the rest
      out.write(("POST /execute HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Content-Length: 1048576\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      s.setSoTimeout(20_000);
      InputStream in = s.getInputStream();
      String answer = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
      assertThat(answer).isEqualTo("HTTP/1.1 403");
    }
    assertThat(toolLog(h.deployer)).isEmpty();
  }

  @Test
  void aLogThatCannotBeWritten_refusesTheCallAndEveryLaterOne_andHealthSaysSo() throws Exception {
    Path full = Path.of("/dev/full"); // every write: "No space left on device"
    try (SampleTool tool = SampleTool.start("127.0.0.1", 0, h.verifier("deployer"), "deployer", full, Clock.systemUTC())) {
      ObjectNode payload = GovernedWorld.payload("payments-api", "2.0.2");
      MintedGrant g = world.mint("deployer", "deploy", payload);
      byte[] body = CanonicalJson.encode(payload);

      assertProblem(direct(tool, SampleTool.PATH, g, body), 503, "execution-log-unavailable", null);

      MintedGrant other = world.mint("deployer", "deploy", payload);
      assertProblem(direct(tool, SampleTool.PATH, other, body), 503, "execution-log-unavailable", null);
      HttpResponse<String> health = h.http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + tool.port() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(503);
    }
  }
}
