package dev.arbiter.gateway;

import static dev.arbiter.gateway.GatewayHarness.assertProblem;
import static dev.arbiter.gateway.GatewayHarness.await;
import static dev.arbiter.gateway.GatewayHarness.toolLog;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.gateway.GovernedWorld.MintedGrant;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the ledger did not take at the first try reaches it later, also across a gateway restart: an
 * outcome of a call the tool executed while the engine was away, and the give-up of a start the
 * gateway could not confirm. Both are kept in the burn store's file until the engine takes them.
 */
class GatewayReportsTest {
  @TempDir Path dir;
  GatewayHarness h;

  @BeforeEach
  void start() throws Exception {
    h = new GatewayHarness(dir);
  }

  @AfterEach
  void stop() {
    h.close();
  }

  @Test
  void anOutcomeTheLedgerDidNotTake_isSentAgain_afterAGatewayRestart() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "2.0.0");
    MintedGrant g = h.world.mint("deployer", "deploy", payload);
    h.recorder.outcomesDown(true); // the engine goes away while the tool runs

    HttpResponse<String> r = h.call("deployer", g.compact(), payload);

    assertThat(r.statusCode()).as("the tool ran: its answer is returned; body %s", r.body()).isEqualTo(200);
    assertThat(toolLog(h.deployer)).hasSize(1);
    assertThat(h.recorder.eventTypes(g.grantId())).containsExactly("execution.started");
    await(() -> pendingReports().size() == 1); // stored by the sender's thread, shortly after the answer

    h.restartGateway(); // the first gateway never delivered it
    assertThat(h.recorder.eventTypes(g.grantId())).containsExactly("execution.started");
    h.recorder.outcomesDown(false);

    await(() -> h.recorder.eventTypes(g.grantId()).size() == 2);
    assertThat(h.recorder.eventTypes(g.grantId())).containsExactly("execution.started", "execution.confirmed");
    String executionId = r.headers().firstValue("Arbiter-Execution-Id").orElseThrow();
    assertThat(h.recorder.events()).allSatisfy(e ->
        assertThat(e.envelope().payload().path("execution_id").asText()).isEqualTo(executionId));
    await(() -> pendingReports().isEmpty());
    assertProblem(h.call("deployer", g.compact(), payload), 409, "grant-already-used", null);
    assertThat(toolLog(h.deployer)).hasSize(1);
  }

  @Test
  void theGiveUpOfAnUnconfirmedStart_survivesAGatewayRestart() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "2.0.1");
    MintedGrant g = h.world.mint("deployer", "deploy", payload);
    h.recorder.down(true);

    var refused = h.call("deployer", g.compact(), payload);
    assertProblem(refused, 503, "ledger-unavailable", null);
    assertThat(refused.headers().firstValue("Retry-After")).as("this grant is spent: no invitation to retry it").isEmpty();
    assertThat(refused.body()).contains("This grant is used up");
    await(() -> pendingReports().size() == 1);
    h.restartGateway();
    Thread.sleep(300);
    assertThat(h.recorder.abandoned()).as("not heard while down").isEmpty();
    h.recorder.down(false);

    await(() -> !h.recorder.abandoned().isEmpty());
    assertThat(h.recorder.abandoned()).containsExactly(g.grantId());
    await(() -> pendingReports().isEmpty());
    assertThat(toolLog(h.deployer)).isEmpty();
  }

  /** The rows of the burn store's pending_reports table, read through a connection of the test's own. */
  private List<String> pendingReports() {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + h.burnFile);
        ResultSet rs = c.createStatement().executeQuery("SELECT report FROM pending_reports ORDER BY id")) {
      List<String> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

}
