package dev.arbiter.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a command's output file whole or not at all: into a temporary file beside it, then renamed
 * over it. Only a missing path or a regular file is replaced: a FIFO or a device node (/dev/full, as
 * root) would be replaced by the rename, and a symbolic link would be replaced itself rather than
 * written through. Missing parent directories are created. On failure nothing is left behind: a
 * black-box run found {@code policy build --out} leaving a 0-byte file on a full disk.
 */
public final class OutputFile {
  private OutputFile() {}

  /**
   * Writes {@code content} to {@code out} with the mode its file had (a new one: 0644); {@code flag}
   * names the option in messages (exit 2 for the caller's path, 3 for a failing disk).
   */
  public static void write(Path out, byte[] content, String flag) {
    write(out, content, flag, null);
  }

  /** As {@link #write(Path, byte[], String)}, readable by the owner only (0600), whatever the file was. */
  static void writePrivate(Path out, byte[] content, String flag) {
    write(out, content, flag, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
  }

  private static void write(Path out, byte[] content, String flag,
      java.util.Set<java.nio.file.attribute.PosixFilePermission> forced) {
    Path abs = out.toAbsolutePath();
    Path tmp = null;
    try {
      if (Files.isSymbolicLink(abs)) {
        throw CliFailure.badInput(flag + ": " + out + " is a symbolic link; give the path of the file itself");
      }
      if (Files.exists(abs) && !Files.isRegularFile(abs)) {
        throw CliFailure.badInput(flag + ": " + out + " exists and is not a regular file; give a file path");
      }
      if (abs.getParent() != null) {
        Files.createDirectories(abs.getParent());
      }
      // The mode an existing file has, or a readable file's: a signed bundle or a checkpoint is read by
      // other users (the engine's); createTempFile alone would make it 0600 (review).
      java.util.Set<java.nio.file.attribute.PosixFilePermission> mode = forced != null ? forced : Files.exists(abs)
          ? Files.getPosixFilePermissions(abs) : java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--");
      tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
      try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp,
          java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(content);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true); // on disk before it takes the name: a crash leaves the old file or the new one
      }
      Files.setPosixFilePermissions(tmp, mode);
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      tmp = null;
    } catch (IOException e) {
      String why = flag + ": cannot write " + out + ": " + FileErrors.reason(e);
      // Where the output goes is the caller's choice; a full or failing disk is not (exit 3).
      throw FileErrors.isCallersChoice(e) ? CliFailure.badInput(why) : CliFailure.unavailable(why, e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the failure above is what the user needs to hear about
        }
      }
    }
  }
}
