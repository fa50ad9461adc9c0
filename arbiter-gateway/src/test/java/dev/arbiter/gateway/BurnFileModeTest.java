package dev.arbiter.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The burn store's file holds full grants (its {@code pending_reports}), so it is its owner's alone
 * whatever the umask: created 0600 in a directory the gateway creates 0700, and an existing file open
 * to others (every store created before this rule) tightened at start.
 */
class BurnFileModeTest {
  @TempDir Path dir;
  GatewayHarness h;

  @BeforeEach
  void start() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
    h = new GatewayHarness(dir);
  }

  @AfterEach
  void stop() {
    h.close();
  }

  @Test
  void aNewBurnStore_inAMissingDirectory_isOwnerOnly_withItsWalAndShm() throws Exception {
    Path file = dir.resolve("state/gateway/burned.db");
    restartOn(file);
    call("m1");

    assertThat(mode(dir.resolve("state"))).isEqualTo("rwx------");
    assertThat(mode(dir.resolve("state/gateway"))).isEqualTo("rwx------");
    for (String f : new String[] {"burned.db", "burned.db-wal", "burned.db-shm"}) {
      assertThat(mode(file.resolveSibling(f))).as(f).isEqualTo("rw-------");
    }
  }

  @Test
  void anExistingBurnStoreOthersCanRead_isTightenedAtStart_andKeepsItsBurns() throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", "m2");
    GovernedWorld.MintedGrant g = h.world.mint("deployer", "deploy", payload);
    assertThat(h.call("deployer", g.compact(), payload).statusCode()).isEqualTo(200);
    h.gateway.close();
    for (String f : new String[] {"burned.db", "burned.db-wal", "burned.db-shm"}) {
      Path p = h.burnFile.resolveSibling(f);
      if (!Files.exists(p)) {
        Files.createFile(p);
      }
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--")); // as umask 022 made them
    }
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));

    h.gateway = GatewayServer.start(h.config());

    for (String f : new String[] {"burned.db", "burned.db-wal", "burned.db-shm"}) {
      assertThat(mode(h.burnFile.resolveSibling(f))).as(f).isEqualTo("rw-------");
    }
    assertThat(h.call("deployer", g.compact(), payload).statusCode()).as("still burned").isEqualTo(409);
    assertThat(mode(dir)).as("an existing directory is left as it is").isEqualTo("rwxr-xr-x");
  }

  private void restartOn(Path burnFile) throws Exception {
    h.gateway.close();
    GatewayConfig c = h.config();
    h.gateway = GatewayServer.start(new GatewayConfig(c.host(), 0, c.tools(), c.trustedEngineKeys(), c.trustedLedgerKey(),
        c.gatewayKey(), burnFile, c.recorder(), c.clock(), c.skew()));
  }

  private void call(String version) throws Exception {
    ObjectNode payload = GovernedWorld.payload("payments-api", version);
    assertThat(h.call("deployer", h.world.mint("deployer", "deploy", payload).compact(), payload).statusCode()).isEqualTo(200);
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
