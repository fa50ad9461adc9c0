package dev.arbiter.cli.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.cli.CliFailure;
import dev.arbiter.core.canonical.StrictJson;
import dev.arbiter.core.crypto.KeyFormatException;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.store.CorruptLedgerException;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.NotALedgerException;
import dev.arbiter.ledger.store.UnreadableLedgerException;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/** Opening the files the ledger commands take, with the CLI's error messages and exit codes. */
public final class LedgerFiles {
  private LedgerFiles() {}

  static SqliteLedgerStore openReadOnly(Path db) {
    try {
      return SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY);
    } catch (NotALedgerException | UnreadableLedgerException e) {
      throw CliFailure.badInput(printable(e.getMessage()));
    } catch (CorruptLedgerException e) {
      throw CliFailure.verification(printable(e.getMessage()));
    } catch (LedgerStoreException e) {
      throw CliFailure.unavailable(printable(e.getMessage()), e);
    }
  }

  static SqliteLedgerStore openForAppend(Path db) {
    try {
      return SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.CREATE_IF_MISSING);
    } catch (NotALedgerException | UnreadableLedgerException e) {
      throw CliFailure.badInput(printable(e.getMessage()));
    } catch (CorruptLedgerException e) {
      throw CliFailure.verification(printable(e.getMessage()));
    } catch (LedgerStoreException e) {
      throw CliFailure.unavailable(printable(e.getMessage()), e);
    }
  }

  /**
   * Keys, checkpoints and proofs are a few hundred bytes to a few kilobytes: a file is read up to
   * this much and refused past it, so that {@code /dev/zero} or a huge file is an error message, not
   * an {@link OutOfMemoryError}.
   */
  static final int MAX_INPUT_BYTES = 1 << 20;

  /** Reads at most {@link #MAX_INPUT_BYTES}; a longer (or endless) file is bad input, exit 2. */
  static byte[] readBounded(Path file, String option) {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(MAX_INPUT_BYTES + 1);
      if (bytes.length > MAX_INPUT_BYTES) {
        throw CliFailure.badInput(option + ": " + file + " is larger than 1 MiB: not a key, checkpoint or proof");
      }
      return bytes;
    } catch (NoSuchFileException e) {
      throw CliFailure.badInput(option + ": no such file: " + file);
    } catch (IOException e) {
      throw CliFailure.badInput(option + ": cannot read " + file + ": " + reason(e));
    }
  }

  /**
   * Why a file operation failed, in words: the JDK's file exceptions carry only the path as their
   * message ("cannot read /k/ledger.pub: /k/ledger.pub" said nothing).
   */
  static String reason(IOException e) {
    return dev.arbiter.cli.FileErrors.reason(e);
  }


  /** A PEM file's text: ASCII only, at most {@link #MAX_INPUT_BYTES}. */
  private static String readPem(Path file, String option, String what) {
    byte[] bytes = readBounded(file, option);
    try {
      return StandardCharsets.US_ASCII.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw CliFailure.badInput(option + ": " + file + " is not " + what + ": not a PEM file (non-ASCII content)");
    } finally {
      Arrays.fill(bytes, (byte) 0); // a private key's bytes, possibly
    }
  }

  static VerifyingKey publicKey(Path file, String option) {
    String pem = readPem(file, option, "a public key (SPKI PEM)");
    try {
      return VerifyingKey.fromPem(pem);
    } catch (KeyFormatException e) {
      throw CliFailure.badInput(option + ": " + file + " is not a public key (SPKI PEM): " + e.getMessage());
    }
  }

  static SigningKey privateKey(Path file, String option) {
    String pem = readPem(file, option, "a private key (PKCS#8 PEM)");
    try {
      return SigningKey.fromPem(pem);
    } catch (KeyFormatException e) {
      throw CliFailure.badInput(option + ": " + file + " is not a private key (PKCS#8 PEM): " + e.getMessage());
    }
  }

  static JsonNode readJson(Path file, String option) {
    byte[] bytes = readBounded(file, option);
    try {
      return StrictJson.parse(bytes);
    } catch (RuntimeException e) {
      throw CliFailure.badInput(option + ": " + file + " is not valid JSON: " + e.getMessage());
    }
  }

  public static Checkpoint readCheckpoint(Path file, String option) {
    JsonNode json = readJson(file, option);
    try {
      return Checkpoint.fromJson(json);
    } catch (IllegalArgumentException e) {
      throw CliFailure.badInput(option + ": " + file + " is not an Arbiter checkpoint: " + e.getMessage());
    }
  }

  /** Store failures with the data's own text shown safely (a malformed row's value may hold control characters). */
  static CliFailure storeFailure(LedgerStoreException e) {
    String message = printable(e.getMessage());
    return switch (e) {
      case NotALedgerException n -> CliFailure.badInput(message);
      case UnreadableLedgerException u -> CliFailure.badInput(message);
      case CorruptLedgerException c -> CliFailure.verification("the ledger's data is malformed (altered or damaged): " + message);
      default -> CliFailure.unavailable(message, e);
    };
  }

  /** User-controlled text for a terminal: control characters (C0, DEL, C1) shown as \\uXXXX, never interpreted. */
  static String printable(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean control = c < 0x20 || (c >= 0x7f && c <= 0x9f);
      if (control && b == null) {
        b = new StringBuilder(s.substring(0, i));
      }
      if (b != null) {
        if (control) {
          b.append(String.format("\\u%04x", (int) c));
        } else {
          b.append(c);
        }
      }
    }
    return b == null ? s : b.toString();
  }
}
