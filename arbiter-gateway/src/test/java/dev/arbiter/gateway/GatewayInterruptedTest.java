package dev.arbiter.gateway;

import static dev.arbiter.gateway.GatewayHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.gateway.GovernedWorld.MintedGrant;
import dev.arbiter.gateway.burn.Owner;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway process killed while a call is under way (after the burn: before forwarding, while the
 * tool runs, before the outcome is handed over) leaves the call's open row in the burn store; the
 * gateway that next opens the store reports it as interrupted, so the decision does not keep a start
 * without an outcome for good (crash-and-load run: 19 decisions left authorized after gateway kills).
 * A live sibling's rows (another process sharing the file) are left alone.
 */
class GatewayInterruptedTest {
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
  void aCallNoOneFinished_isReportedInterrupted_byTheNextGateway_butALiveSiblingsIsNot() throws Exception {
    MintedGrant killed = h.world.mint("deployer", "deploy", GovernedWorld.payload("payments-api", "7.1"));
    MintedGrant sibling = h.world.mint("deployer", "deploy", GovernedWorld.payload("payments-api", "7.2"));
    h.recorder.started(killed.compact(), "att-killed"); // the dead process had recorded its start
    plant(killed, "att-killed", deadProcess(999_999_999)); // a process that is gone
    plant(sibling, "att-live", Owner.current()); // this JVM: alive, so a sibling's call under way

    h.restartGateway();

    await(() -> h.recorder.interrupted().contains(killed.grantId()));
    assertThat(h.recorder.interrupted()).containsExactly(killed.grantId());
    assertThat(openRows()).as("the reported row is removed; the sibling's stays").containsExactly(sibling.grantId());
  }

  @Test
  void aProcessThatDiesLater_isReportedByTheRunningGateway() throws Exception {
    // A sibling sharing the burn file killed and not restarted, or a zombie still in the process table
    // when this gateway started: looked at again while the gateway runs.
    java.time.Duration before = GatewayServer.openExecutionsCheck;
    GatewayServer.openExecutionsCheck = java.time.Duration.ofMillis(100);
    try {
      h.restartGateway();
      MintedGrant late = h.world.mint("deployer", "deploy", GovernedWorld.payload("payments-api", "7.4"));
      h.recorder.started(late.compact(), "att-late");
      plant(late, "att-late", deadProcess(999_999_998));

      await(() -> h.recorder.interrupted().contains(late.grantId()));
      assertThat(h.recorder.interrupted()).containsExactly(late.grantId());
      Thread.sleep(300);
      assertThat(h.recorder.interrupted()).as("reported once").containsExactly(late.grantId());
      assertThat(openRows()).isEmpty();
    } finally {
      GatewayServer.openExecutionsCheck = before;
    }
  }

  @Test
  void aFinishedCall_leavesNoOpenRow() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "7.3");
    MintedGrant g = h.world.mint("deployer", "deploy", payload);
    assertThat(h.call("deployer", g.compact(), payload).statusCode()).isEqualTo(200);

    h.restartGateway(); // a clean stop removes what was handed over
    assertThat(openRows()).isEmpty();
    assertThat(h.recorder.interrupted()).isEmpty();
  }

  /** An owner on this host, boot and process table whose pid does not exist. */
  private static String deadProcess(long pid) {
    String[] self = Owner.current().split(" ");
    return self[0] + " " + self[1] + " " + self[2] + " " + pid + " 12345";
  }

  @Test
  void rowsOfProcessesThatCannotBeLookedAt_stay_andAnExecutionWithAStoredReportIsNotReportedAgain() throws Exception {
    String[] self = Owner.current().split(" ");
    MintedGrant otherTable = h.world.mint("deployer", "deploy", GovernedWorld.payload("payments-api", "7.5"));
    MintedGrant otherHost = h.world.mint("deployer", "deploy", GovernedWorld.payload("payments-api", "7.6"));
    MintedGrant reusedPid = h.world.mint("deployer", "deploy", GovernedWorld.payload("payments-api", "7.7"));
    MintedGrant known = h.world.mint("deployer", "deploy", GovernedWorld.payload("payments-api", "7.8"));
    // A container sharing the file (another pid namespace, the same host name): never taken over.
    plant(otherTable, "a1", self[0] + " " + self[1] + " pid:[1] 1 1");
    plant(otherHost, "a2", "another-host " + self[1] + " " + self[2] + " 1 1");
    // This very JVM's pid with another start tick: the pid was reused, the owner is gone.
    plant(reusedPid, "a3", self[0] + " " + self[1] + " " + self[2] + " " + self[3] + " 1");
    // A dead process whose outcome is stored already: its row goes, no "interrupted" overtakes the outcome.
    plant(known, "a4", deadProcess(999_999_997));
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + h.burnFile);
        PreparedStatement ps = c.prepareStatement("INSERT INTO pending_reports (report, added_at) VALUES (?, '2026-11-27T00:00:00Z')")) {
      ps.setString(1, "{\"kind\":\"outcome\",\"grant\":\"" + known.compact() + "\",\"grant_id\":\"" + known.grantId()
          + "\",\"execution_id\":\"exe_x\",\"confirmed\":true,\"upstream_status\":200,\"duration_ms\":1,"
          + "\"response_hash\":\"sha256:00\"}");
      ps.executeUpdate();
    }

    h.restartGateway();

    await(() -> h.recorder.interrupted().contains(reusedPid.grantId()));
    Thread.sleep(300);
    assertThat(h.recorder.interrupted()).containsExactly(reusedPid.grantId());
    assertThat(openRows()).containsExactlyInAnyOrder(otherTable.grantId(), otherHost.grantId());
  }

  private void plant(MintedGrant g, String attempt, String owner) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + h.burnFile);
        PreparedStatement ps = c.prepareStatement(
            "INSERT INTO open_executions (grant_id, attempt, grant, owner, opened_at) VALUES (?, ?, ?, ?, '2026-11-27T00:00:00Z')")) {
      ps.setString(1, g.grantId());
      ps.setString(2, attempt);
      ps.setString(3, g.compact());
      ps.setString(4, owner);
      ps.executeUpdate();
    }
  }

  private List<String> openRows() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + h.burnFile);
        ResultSet rs = c.createStatement().executeQuery("SELECT grant_id FROM open_executions ORDER BY grant_id")) {
      List<String> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    }
  }
}
