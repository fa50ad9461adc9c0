package dev.arbiter.core.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a whole file that is expected to be small (a request, a token, a policy file, a signed
 * bundle), refusing one larger than a limit before holding it: {@code Files.readAllBytes} of a 3 GB
 * file or of {@code /dev/zero} (whose size reads as 0) ended in an OutOfMemoryError (black-box run).
 * Reads through a stream, so a device or a pipe is bounded too.
 */
public final class BoundedFiles {
  private BoundedFiles() {}

  /** A file larger than the limit it was read with. */
  public static final class TooLargeException extends IOException {
    public TooLargeException(Path file, long max) {
      super(file + " is larger than " + describe(max) + "; refusing to read it whole");
    }
  }

  /** The bytes of {@code file}, at most {@code max} of them; else {@link TooLargeException}. */
  public static byte[] read(Path file, int max) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] b = in.readNBytes(max + 1);
      if (b.length > max) {
        throw new TooLargeException(file, max);
      }
      return b;
    }
  }

  /**
   * The text of {@code file} in {@code charset}, at most {@code max} bytes of it; bytes that are not
   * that charset are a {@link java.nio.charset.CharacterCodingException}, as {@code Files.readString} has it.
   */
  public static String readString(Path file, int max, java.nio.charset.Charset charset) throws IOException {
    return charset.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
        .decode(java.nio.ByteBuffer.wrap(read(file, max))).toString();
  }

  private static String describe(long max) {
    return max % (1024 * 1024) == 0 ? max / (1024 * 1024) + " MiB" : max % 1024 == 0 ? max / 1024 + " KiB" : max + " bytes";
  }
}
