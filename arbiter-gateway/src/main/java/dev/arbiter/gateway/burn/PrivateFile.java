package dev.arbiter.gateway.burn;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the burn store's file its owner's alone (0600) before SQLite opens it. The file holds full
 * grants ({@code pending_reports}: burned, so they open nothing, but bearer tokens that name
 * decisions, targets and payload hashes), and SQLite creates files with the process umask (typically
 * 0644). SQLite gives a database's {@code -wal} and {@code -shm} the database file's mode, so a file
 * created 0600 here keeps them private too.
 *
 * <ul>
 *   <li>a missing parent directory is created 0700 (an existing one is left as it is: it may be a
 *       data directory others rely on);
 *   <li>a missing file is created empty, 0600, which SQLite opens as a new database;
 *   <li>an existing file (and an existing {@code -wal} or {@code -shm}) open to group or others is
 *       tightened to 0600, with a warning, rather than refused: every burn store created before
 *       this check is 0644, and refusing would stop each of those gateways; what the file held may
 *       have been read meanwhile, which the warning says. One the gateway cannot tighten (another
 *       user's file) is refused.
 * </ul>
 *
 * On a file system without POSIX permissions nothing is checked.
 */
final class PrivateFile {
  private static final Logger LOG = LoggerFactory.getLogger(PrivateFile.class);
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  private PrivateFile() {}

  /** Creates or tightens {@code file} (and its parent directory, its {@code -wal} and {@code -shm}) as above. */
  static void prepare(Path file) throws IOException, BurnStoreUnavailableException {
    Path parent = file.toAbsolutePath().getParent();
    try {
      if (parent != null && !Files.isDirectory(parent)) {
        Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      try {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      } catch (FileAlreadyExistsException e) {
        // an earlier run's (or another gateway's, just now): checked below like any existing file
      }
      tightenAll(file);
    } catch (UnsupportedOperationException e) {
      // no POSIX permissions here: create what is missing, SQLite does the rest
      if (parent != null) {
        Files.createDirectories(parent);
      }
    }
  }

  /**
   * Tightens {@code file}, its {@code -wal} and its {@code -shm} where they exist. Called again once
   * SQLite has opened the file, for what {@link #prepare} could not create itself (a symbolic link
   * to a file not there yet).
   */
  static void tightenAll(Path file) throws IOException, BurnStoreUnavailableException {
    try {
      for (String suffix : new String[] {"", "-wal", "-shm"}) {
        tighten(Path.of(file + suffix));
      }
    } catch (UnsupportedOperationException e) {
      // no POSIX permissions here
    }
  }

  private static void tighten(Path f) throws IOException, BurnStoreUnavailableException {
    Set<PosixFilePermission> perms;
    try {
      perms = Files.getPosixFilePermissions(f);
    } catch (java.nio.file.NoSuchFileException e) {
      return; // no -wal or -shm now: SQLite creates them with the database file's mode
    }
    if (!Files.isRegularFile(f) || perms.stream().noneMatch(GROUP_OR_OTHER::contains)) {
      return; // a directory given by mistake is not chmod'ed: SQLite refuses it
    }
    try {
      Files.setPosixFilePermissions(f, OWNER_ONLY);
    } catch (IOException e) {
      throw new BurnStoreUnavailableException(f + " is accessible by group or others (" + PosixFilePermissions.toString(perms)
          + ") and cannot be made rw------- (" + e.getMessage() + "); it holds grants: run chmod 600 " + f, e);
    }
    LOG.warn("burn store file {} was accessible by group or others ({}); now rw-------. It holds the grants of reports "
        + "not yet sent: whoever could read it until now may have copied them", f, PosixFilePermissions.toString(perms));
  }
}
