package dev.arbiter.cli;

import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code arbiter keys}: signing key management. */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    header = "Create signing keys, and enrol approver keys with the engine.",
    description = {"Create signing keys for approvers, policy bundles, the engine and the ledger;",
        "enrol approver keys with the engine, and revoke them."},
    subcommands = {KeysCommand.Generate.class, KeysEnrolCommand.class, KeysRevokeCommand.class, CommandLine.HelpCommand.class})
public final class KeysCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: try `arbiter keys generate --help`");
  }

  /** {@code arbiter keys generate --out DIR --name NAME [--alg ed25519|ecdsa-p256] [--force]}. */
  @Command(
      name = "generate",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Generate a key pair as two PEM files, DIR/NAME.key and DIR/NAME.pub.",
        "  DIR/NAME.key  the private key (unencrypted PKCS#8, created with mode 0600)",
        "  DIR/NAME.pub  the public key (SPKI), safe to distribute",
        "Prints the key id: sha256 of the public key's DER bytes, the same as",
        "  openssl pkey -pubin -in DIR/NAME.pub -outform DER | sha256sum",
        "Both files are read and written by openssl (`openssl pkey -in DIR/NAME.key`).",
      },
      footer = {
        "",
        "Example:",
        "  arbiter keys generate --out ~/.arbiter/keys --name alice",
        "",
        "Exit codes: 0 ok, 2 bad arguments or the files already exist, 3 cannot write."
      })
  public static final class Generate implements Callable<Integer> {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> PUBLIC_READ = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");

    @Spec CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the key files; created (mode 0700) if missing.")
    Path out;

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "File name stem: letters, digits, '.', '_' or '-'; no path separators.")
    String name;

    @Option(
        names = "--alg",
        paramLabel = "ALG",
        defaultValue = "ed25519",
        converter = AlgorithmConverter.class,
        description = "ed25519 (default) or ecdsa-p256.")
    KeyAlgorithm algorithm;

    @Option(names = "--force", description = "Replace existing DIR/NAME.key and DIR/NAME.pub (atomically). The old private key is gone for good.")
    boolean force;

    @Override
    public Integer call() {
      if (!NAME.matcher(name).matches() || name.chars().allMatch(c -> c == '.')) {
        throw CliFailure.badInput(
            "--name `" + name + "` is not a valid key name: use 1-128 letters, digits, '.', '_' or '-' (no path separators)");
      }
      Path dir = out.toAbsolutePath().normalize();
      Path keyFile = dir.resolve(name + ".key");
      Path pubFile = dir.resolve(name + ".pub");
      boolean created = createDirectory(dir);
      try {
        return generate(keyFile, pubFile);
      } catch (RuntimeException e) {
        if (created) {
          deleteQuietly(dir); // only if still empty: nothing of a failed run is left behind
        }
        throw e;
      }
    }

    private int generate(Path keyFile, Path pubFile) {
      if (!force) {
        for (Path p : new Path[] {keyFile, pubFile}) {
          if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw CliFailure.badInput(p + " already exists; refusing to overwrite it (use --force to replace the key pair)");
          }
        }
      }

      SigningKey key = SigningKey.generate(algorithm, new SecureRandom());
      byte[] privatePem = key.exportPkcs8PemDangerously().getBytes(StandardCharsets.US_ASCII);
      byte[] publicPem = key.verifyingKey().toSpkiPem().getBytes(StandardCharsets.US_ASCII);
      try {
        write(keyFile, privatePem, OWNER_ONLY);
        try {
          write(pubFile, publicPem, PUBLIC_READ);
        } catch (RuntimeException e) {
          deleteQuietly(keyFile); // never leave a private key without its public half
          throw e;
        }
      } finally {
        java.util.Arrays.fill(privatePem, (byte) 0);
      }

      PrintWriter w = spec.commandLine().getOut();
      w.println("generated " + algorithm.wireName() + " key " + key.keyId().value());
      w.println("  private key: " + keyFile + "  (mode 0600; keep it secret)");
      w.println("  public key:  " + pubFile);
      w.flush();
      return ExitCodes.OK;
    }

    /** Creates {@code dir} if missing; true when it did. */
    private boolean createDirectory(Path dir) {
      if (Files.isDirectory(dir)) {
        return false;
      }
      try {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
        return true;
      } catch (FileAlreadyExistsException e) {
        throw CliFailure.badInput("--out " + dir + " exists and is not a directory");
      } catch (UnsupportedOperationException e) {
        throw CliFailure.unavailable("cannot create " + dir + ": the file system has no POSIX permissions", e);
      } catch (IOException e) {
        // Where the keys go is the caller's choice (a read-only place, one that cannot be a directory:
        // exit 2); a full or failing disk is not (exit 3).
        String why = "cannot create directory " + dir + ": " + FileErrors.reason(e);
        throw FileErrors.isCallersChoice(e) ? CliFailure.badInput(why) : CliFailure.unavailable(why, e);
      }
    }

    /**
     * Creates {@code target} with {@code permissions} set at creation (never chmod after writing).
     * Without --force: O_CREAT|O_EXCL, so an existing file, even one created concurrently, is never
     * replaced. With --force: a fresh temporary file in the same directory, then an atomic rename
     * over the old one, so readers see the old file or the new one, never a partial one.
     */
    private void write(Path target, byte[] content, Set<PosixFilePermission> permissions) {
      FileAttribute<Set<PosixFilePermission>> mode = PosixFilePermissions.asFileAttribute(permissions);
      try {
        if (!force) {
          try {
            writeNew(target, content, mode);
          } catch (IOException | RuntimeException e) {
            if (!(e instanceof FileAlreadyExistsException)) {
              deleteQuietly(target);
            }
            throw e;
          }
          return;
        }
        Path temp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp", mode);
        try {
          try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, content);
          }
          Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
          deleteQuietly(temp);
        }
      } catch (FileAlreadyExistsException e) {
        throw CliFailure.badInput(target + " already exists; refusing to overwrite it (use --force to replace the key pair)");
      } catch (UnsupportedOperationException e) {
        throw CliFailure.unavailable("cannot write " + target + " with owner-only permissions: the file system has no POSIX permissions", e);
      } catch (IOException e) {
        String why = "cannot write " + target + ": " + FileErrors.reason(e);
        throw FileErrors.isCallersChoice(e) ? CliFailure.badInput(why) : CliFailure.unavailable(why, e);
      }
    }

    private static void writeNew(Path target, byte[] content, FileAttribute<Set<PosixFilePermission>> mode) throws IOException {
      try (FileChannel ch =
          FileChannel.open(target, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), mode)) {
        writeFully(ch, content);
      }
    }

    private static void writeFully(FileChannel ch, byte[] content) throws IOException {
      ByteBuffer buf = ByteBuffer.wrap(content);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }

    private static void deleteQuietly(Path p) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // best effort; the caller reports the original failure
      }
    }
  }

  /** Parses {@code --alg} by wire name. */
  static final class AlgorithmConverter implements CommandLine.ITypeConverter<KeyAlgorithm> {
    @Override
    public KeyAlgorithm convert(String value) {
      try {
        return KeyAlgorithm.fromWireName(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
