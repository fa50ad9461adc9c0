package dev.arbiter.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.arbiter.core.policy.PolicyBundles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data directory of serve and quickstart is the boundary that keeps the ledger and keys private,
 * and nothing Arbiter writes there follows a planted symlink.
 */
class DataDirectoryTest {
  @TempDir Path dir;

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void prepare_whenMissing_createsItOwnerOnly() throws Exception {
    Path data = DataDirectory.prepare(dir.resolve("data"));

    assertThat(mode(data)).isEqualTo("rwx------");
  }

  @Test
  void prepare_whenExistingAndEmptyButOpenToOthers_tightensIt() throws Exception {
    Path data = Files.createDirectory(dir.resolve("data"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));

    DataDirectory.prepare(data);

    assertThat(mode(data)).isEqualTo("rwx------");
  }

  @Test
  void serve_whenDataDirectoryOpenToOthersHoldsFiles_refusesWithTheChmod_exit2() throws Exception {
    Path data = Files.createDirectory(dir.resolve("data"));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(data.resolve("notes.txt"), "x");

    // --host 0.0.0.0 makes a serve that got past the data directory stop at the issuer check
    // instead of running until SIGTERM.
    CliRun r = CliRun.of("serve", "--data-dir", data.toString(), "--bundle", "../examples/policy", "--port", "0",
        "--host", "0.0.0.0");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("accessible by group or others (rwxr-xr-x)").contains("chmod 700 " + data);
    assertThat(mode(data)).as("never tightened silently when it holds files").isEqualTo("rwxr-xr-x");
    assertThat(data.resolve("ledger.db")).doesNotExist();
    assertThat(data.resolve("keys")).doesNotExist();
  }

  @Test
  void prepare_whenOwnedByAnotherUser_refuses() throws Exception {
    assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() == 0, "only root can give a directory away");
    Path data = Files.createDirectory(dir.resolve("data"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Files.setAttribute(data, "unix:uid", 4242);

    assertThatThrownBy(() -> DataDirectory.prepare(data))
        .isInstanceOf(CliFailure.class)
        .hasMessageContaining("is owned by uid 4242, not by the user running Arbiter (uid 0)");
  }

  @Test
  void devSigned_whenASymlinkSitsAtPolicyDevSigned_replacesTheLinkAndLeavesItsTargetAlone() throws Exception {
    Path data = DataDirectory.prepare(dir.resolve("data"));
    Path victim = Files.writeString(dir.resolve("victim.txt"), "precious\n");
    Files.createSymbolicLink(data.resolve("policy-dev.signed"), victim);

    ServeCommand.Embedded.devSigned(PolicyBundles.loadDirectory(Path.of("../examples/policy")), data);

    assertThat(Files.readString(victim)).isEqualTo("precious\n");
    assertThat(Files.isSymbolicLink(data.resolve("policy-dev.signed"))).isFalse();
    assertThat(Files.readString(data.resolve("policy-dev.signed"))).contains("arbiter-signed-policy-bundle-v1");
    assertThat(mode(data.resolve("policy-dev.signed"))).isEqualTo("rw-------");
    try (var left = Files.list(data)) {
      assertThat(left.map(p -> p.getFileName().toString())).doesNotContain(".tmp").noneMatch(n -> n.endsWith(".tmp"));
    }
  }

  @Test
  void writeOwnerOnly_whenASymlinkIsSwappedInWhileWriting_neverWritesThroughIt() throws Exception {
    Path ids = Files.createDirectory(dir.resolve("identities"));
    Path token = ids.resolve("agent.token");
    Path victim = Files.writeString(dir.resolve("victim.txt"), "precious\n");
    AtomicBoolean stop = new AtomicBoolean();
    Thread attacker = new Thread(() -> {
      while (!stop.get()) {
        try {
          Files.deleteIfExists(token);
          Files.createSymbolicLink(token, victim);
        } catch (Exception ignored) {
          // lost the race this time; try again
        }
      }
    });
    attacker.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
      while (System.nanoTime() < deadline && Files.readString(victim).equals("precious\n")) {
        try {
          QuickstartCommand.writeOwnerOnly(token, "secret-token");
        } catch (CliFailure expected) {
          // the attacker's link got there first: refused, which is the point
        }
      }
    } finally {
      stop.set(true);
      attacker.join();
    }

    assertThat(Files.readString(victim, StandardCharsets.UTF_8)).isEqualTo("precious\n");
  }
}
