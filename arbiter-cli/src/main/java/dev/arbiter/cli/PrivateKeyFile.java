package dev.arbiter.cli;

import dev.arbiter.core.crypto.KeyFormatException;
import dev.arbiter.core.crypto.SigningKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Reads an approver's private key file for a command: refused (exit 2) when group or others can
 * read or write it, when it is not PKCS#8 PEM, or when it cannot be read. Read with the bounded PEM
 * reader of {@link SigningKey#load}. Messages name the file and the option, never its content.
 */
final class PrivateKeyFile {
  private static final Set<PosixFilePermission> GROUP_OR_OTHER = Set.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

  private PrivateKeyFile() {}

  /** The file's first line is a PEM public-key header (read: at most 64 bytes, nothing secret in them). */
  private static boolean looksLikePublicKey(Path file) {
    try (var in = Files.newInputStream(file)) {
      String head = new String(in.readNBytes(64), java.nio.charset.StandardCharsets.US_ASCII);
      return head.startsWith("-----BEGIN PUBLIC KEY-----");
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * @param option how the user named the file, for messages ({@code --key FILE})
   * @param purpose appended to the "cannot read" message: why the key is needed (may be empty)
   */
  static SigningKey load(Path file, String option, String purpose) {
    try {
      if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
        // The file that is read: through a link (a secrets mount), its target's permissions count.
        Path target = file.toRealPath();
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(target);
        if (perms.stream().anyMatch(GROUP_OR_OTHER::contains) && looksLikePublicKey(target)) {
          // A .pub is meant to be readable: telling the user to chmod it would send them the wrong way.
          throw CliFailure.badInput(option + " is a public key (SPKI PEM); give the private .key file beside it");
        }
        if (perms.stream().anyMatch(GROUP_OR_OTHER::contains)) {
          throw CliFailure.badInput(option + " is accessible by group or others ("
              + PosixFilePermissions.toString(perms) + "); a private key must be rw------- : chmod 600 " + target);
        }
      }
      return SigningKey.load(file);
    } catch (KeyFormatException e) {
      throw CliFailure.badInput(option + " is not a private signing key (PKCS#8 PEM; give the .key file,"
          + " not the .pub): " + e.getMessage());
    } catch (IOException e) {
      throw CliFailure.badInput("cannot read " + option + ": " + FileErrors.reason(e) + purpose);
    }
  }
}
