package dev.arbiter.cli;

import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.KeyFormatException;
import dev.arbiter.core.crypto.SigningKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;

/**
 * The embedded server's ledger key: {@code DIR/ledger.key} (PKCS#8, created 0600 with O_EXCL) and
 * {@code DIR/ledger.pub} (SPKI), generated on first start and reused afterwards. A key file that
 * exists but does not parse is an error, never a reason to generate a new one.
 */
final class LedgerKeyFile {
  private LedgerKeyFile() {}

  /** Loads the key, or creates it; the boolean tells whether it was created. */
  record Loaded(SigningKey key, boolean created) {}

  static Loaded loadOrCreate(Path keysDir) {
    return loadOrCreate(keysDir, "ledger");
  }

  /** The same for {@code DIR/NAME.key} and {@code DIR/NAME.pub} (e.g. the development policy key). */
  static Loaded loadOrCreate(Path keysDir, String name) {
    Path keyFile = keysDir.resolve(name + ".key");
    Path pubFile = keysDir.resolve(name + ".pub");
    try {
      if (Files.exists(keyFile)) {
        var perms = Files.getPosixFilePermissions(keyFile);
        if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
          throw CliFailure.badInput(keyFile + " is readable by others (" + PosixFilePermissions.toString(perms)
              + "); a private key must be rw------- : chmod 600 " + keyFile);
        }
        SigningKey existing = SigningKey.load(keyFile);
        if (existing.algorithm() != KeyAlgorithm.ED25519) {
          // Checkpoints are Ed25519 (issue 2); the grants' and gateway proofs' keys must be too.
          throw CliFailure.badInput(keyFile + " is an " + existing.algorithm() + " key; the " + name
              + " key must be Ed25519 (arbiter keys generate --alg ed25519)");
        }
        return new Loaded(existing, false);
      }
      Files.createDirectories(keysDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      SigningKey key = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
      byte[] pem = key.exportPkcs8PemDangerously().getBytes(StandardCharsets.US_ASCII);
      try {
        write(keyFile, pem, "rw-------");
      } finally {
        Arrays.fill(pem, (byte) 0);
      }
      write(pubFile, key.verifyingKey().toSpkiPem().getBytes(StandardCharsets.US_ASCII), "rw-r--r--");
      return new Loaded(key, true);
    } catch (KeyFormatException e) {
      throw CliFailure.badInput(keyFile + " is not a private key (PKCS#8 PEM): " + e.getMessage());
    } catch (IOException | UnsupportedOperationException e) {
      throw CliFailure.unavailable("cannot read or create the " + name + " key in " + keysDir + ": " + e, e);
    }
  }

  private static void write(Path file, byte[] content, String mode) throws IOException {
    try (FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)))) {
      ByteBuffer buf = ByteBuffer.wrap(content);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
  }
}
