package dev.arbiter.cli.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.cli.CliFailure;
import dev.arbiter.core.canonical.StrictJson;
import dev.arbiter.core.crypto.KeyFormatException;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.NotALedgerException;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Opening the files the ledger commands take, with the CLI's error messages and exit codes. */
final class LedgerFiles {
  private LedgerFiles() {}

  static SqliteLedgerStore openReadOnly(Path db) {
    try {
      return SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY);
    } catch (NotALedgerException e) {
      throw CliFailure.badInput(e.getMessage());
    } catch (LedgerStoreException e) {
      throw CliFailure.unavailable(e.getMessage(), e);
    }
  }

  static SqliteLedgerStore openForAppend(Path db) {
    try {
      return SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.CREATE_IF_MISSING);
    } catch (NotALedgerException e) {
      throw CliFailure.badInput(e.getMessage());
    } catch (LedgerStoreException e) {
      throw CliFailure.unavailable(e.getMessage(), e);
    }
  }

  static VerifyingKey publicKey(Path file, String option) {
    try {
      return VerifyingKey.load(file);
    } catch (NoSuchFileException e) {
      throw CliFailure.badInput(option + ": no such file: " + file);
    } catch (IOException e) {
      throw CliFailure.badInput(option + ": cannot read " + file + ": " + e.getMessage());
    } catch (KeyFormatException e) {
      throw CliFailure.badInput(option + ": " + file + " is not a public key (SPKI PEM): " + e.getMessage());
    }
  }

  static SigningKey privateKey(Path file, String option) {
    try {
      return SigningKey.load(file);
    } catch (NoSuchFileException e) {
      throw CliFailure.badInput(option + ": no such file: " + file);
    } catch (IOException e) {
      throw CliFailure.badInput(option + ": cannot read " + file + ": " + e.getMessage());
    } catch (KeyFormatException e) {
      throw CliFailure.badInput(option + ": " + file + " is not a private key (PKCS#8 PEM): " + e.getMessage());
    }
  }

  static JsonNode readJson(Path file, String option) {
    try {
      return StrictJson.parse(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      throw CliFailure.badInput(option + ": no such file: " + file);
    } catch (IOException e) {
      throw CliFailure.badInput(option + ": cannot read " + file + ": " + e.getMessage());
    } catch (RuntimeException e) {
      throw CliFailure.badInput(option + ": " + file + " is not valid JSON: " + e.getMessage());
    }
  }

  static Checkpoint readCheckpoint(Path file, String option) {
    JsonNode json = readJson(file, option);
    try {
      return Checkpoint.fromJson(json);
    } catch (IllegalArgumentException e) {
      throw CliFailure.badInput(option + ": " + file + " is not an Arbiter checkpoint: " + e.getMessage());
    }
  }

  static CliFailure storeFailure(LedgerStoreException e) {
    return e instanceof NotALedgerException ? CliFailure.badInput(e.getMessage()) : CliFailure.unavailable(e.getMessage(), e);
  }
}
