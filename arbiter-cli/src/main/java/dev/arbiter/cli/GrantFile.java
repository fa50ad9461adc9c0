package dev.arbiter.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * A grant as the agent handles it: a compact JWS (three base64url parts), checked before it goes
 * into a header and never printed, in a message or otherwise (whoever holds it can use it once). On
 * disk it is a file of mode 0600 holding the compact form.
 */
final class GrantFile {
  private static final Pattern COMPACT_JWS = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
  static final int MAX_CHARS = 64 * 1024;

  private GrantFile() {}

  /** {@code grant} when it is a compact JWS; otherwise a failure that says {@code what} and hides the value. */
  static String requireCompact(String grant, String what) {
    if (grant == null || grant.length() > MAX_CHARS || !COMPACT_JWS.matcher(grant).matches()) {
      throw CliFailure.verification(what + " holds no well-formed grant (a compact JWS); refusing to go on"
          + " (the value is not shown)");
    }
    return grant;
  }

  static String read(Path file) {
    try {
      String g = dev.arbiter.core.io.BoundedFiles.readString(file, MAX_CHARS + 2, StandardCharsets.US_ASCII).strip();
      if (!COMPACT_JWS.matcher(g).matches()) {
        throw CliFailure.badInput("--grant-file " + file + " does not hold a compact JWS grant (the value is not shown)");
      }
      return g;
    } catch (dev.arbiter.core.io.BoundedFiles.TooLargeException e) {
      throw CliFailure.badInput("--grant-file " + file + " is larger than " + MAX_CHARS + " bytes; not a grant");
    } catch (java.nio.charset.CharacterCodingException e) {
      throw CliFailure.badInput("--grant-file " + file + " does not hold a compact JWS grant (the value is not shown)");
    } catch (IOException e) {
      throw CliFailure.badInput("cannot read --grant-file " + file + ": " + FileErrors.reason(e));
    }
  }

  /** Fails unless {@code file}'s directory exists and is writable: checked before anything is proposed. */
  static void requireWritableDirectory(Path file) {
    Path dir = file.toAbsolutePath().getParent();
    if (dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir)) {
      throw CliFailure.badInput("--save-grant " + file + ": the directory " + dir + " does not exist or is not writable");
    }
    requireReplaceable(file);
  }

  /**
   * Fails unless {@code file} is missing, or a regular file that holds a grant (one saved before, so
   * the walkthrough can run again). Black-box run: {@code --save-grant /dev/full} replaced the device
   * with a file, and a path to any other file (a symlink included) was overwritten without a word.
   */
  private static void requireReplaceable(Path file) {
    if (!Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw CliFailure.badInput("--save-grant " + file + " exists and is not a regular file (a directory, a device,"
          + " a pipe or a symbolic link); refusing to replace it");
    }
    boolean holdsAGrant;
    try {
      holdsAGrant = COMPACT_JWS.matcher(
          dev.arbiter.core.io.BoundedFiles.readString(file, MAX_CHARS + 2, StandardCharsets.US_ASCII).strip()).matches();
    } catch (IOException e) {
      holdsAGrant = false;
    }
    if (!holdsAGrant) {
      throw CliFailure.badInput("--save-grant " + file + " exists and does not hold a grant; refusing to overwrite it"
          + " (remove it first, or choose another path)");
    }
  }

  /** Writes {@code grant} to {@code file}, mode 0600 from the start (never readable by others, not even briefly). */
  static void write(Path file, String grant) {
    Path abs = file.toAbsolutePath();
    requireReplaceable(abs); // again: what was checked before the decision may have changed since
    OutputFile.writePrivate(abs, (grant + "\n").getBytes(StandardCharsets.US_ASCII), "--save-grant");
  }
}
