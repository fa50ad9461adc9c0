package dev.arbiter.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The data directory of {@code serve} and {@code quickstart}: it holds the ledger (request payloads),
 * its WAL, the burn store and the private keys, so it must be the user's own and closed to everyone
 * else (mode 0700). The ledger's files inside are created with the process umask (SQLite takes it;
 * only the gateway's burn store creates its file 0600 first), so the directory is the boundary that
 * keeps them private.
 *
 * <ul>
 *   <li>missing: created 0700;
 *   <li>not a directory, or owned by another user: refused;
 *   <li>open to group or others and <b>empty</b> (e.g. just made with {@code mkdir}): tightened to
 *       0700 (nothing in it can have leaked, and once it is 0700 nobody else can add to it; it is
 *       checked again after the chmod);
 *   <li>open to group or others and not empty: refused with the {@code chmod} to run, never
 *       tightened silently, since what it holds may already have been read or planted.
 * </ul>
 *
 * Every refusal is bad input (exit 2).
 */
final class DataDirectory {
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  private DataDirectory() {}

  /** Creates or checks {@code dir} as described above; returns its absolute, normalised path. */
  static Path prepare(Path dataDir) {
    Path dir = dataDir.toAbsolutePath().normalize();
    try {
      if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(dir)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        return dir;
      }
      if (!Files.isDirectory(dir)) {
        throw CliFailure.badInput("data directory " + dir + " exists and is not a directory");
      }
      refuseForeignOwner(dir);
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
      if (perms.stream().noneMatch(GROUP_OR_OTHER::contains)) {
        return dir;
      }
      if (isEmpty(dir)) {
        Files.setPosixFilePermissions(dir, OWNER_ONLY);
        if (isEmpty(dir)) {
          return dir;
        }
      }
      throw CliFailure.badInput("data directory " + dir + " is accessible by group or others ("
          + PosixFilePermissions.toString(perms) + ") and already holds files; it keeps the ledger and private keys,"
          + " so it must be rwx------ : chmod 700 " + dir + " (and consider what others may have read or placed there)");
    } catch (IOException e) {
      throw CliFailure.unavailable("cannot create or check data directory " + dir + ": " + e.getMessage(), e);
    } catch (UnsupportedOperationException e) {
      return dir; // no POSIX permissions on this file system: nothing to check
    }
  }

  private static void refuseForeignOwner(Path dir) throws IOException {
    Object owner;
    try {
      owner = Files.getAttribute(dir, "unix:uid");
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      return; // no unix attribute view: the permission check still applies
    }
    long self = new com.sun.security.auth.module.UnixSystem().getUid();
    if (owner instanceof Integer uid && uid.longValue() != self) {
      throw CliFailure.badInput("data directory " + dir + " is owned by uid " + uid + ", not by the user running"
          + " Arbiter (uid " + self + "); use a directory of your own (--data-dir)");
    }
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }
}
