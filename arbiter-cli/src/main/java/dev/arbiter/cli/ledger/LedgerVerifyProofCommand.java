package dev.arbiter.cli.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.cli.CliFailure;
import dev.arbiter.cli.ExitCodes;
import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.checkpoint.CheckpointVerificationException;
import dev.arbiter.ledger.checkpoint.CheckpointVerifier;
import dev.arbiter.ledger.merkle.ProofVerificationException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ledger verify-proof}: the whole proof is parsed first (a missing or malformed field is
 * exit 2), then verified (exit 1 on the first piece that does not verify). The formats are {@link
 * InclusionProof} and {@link ConsistencyProof}.
 */
@Command(
    name = "verify-proof",
    mixinStandardHelpOptions = true,
    description = {
      "Check a proof printed by `arbiter ledger prove`, offline, with the ledger's public key:",
      "the checkpoint signature(s); for a tree size without a checkpoint of its own, its root against",
      "the next signed checkpoint (`checkpoint_consistency`); then the inclusion or consistency proof.",
      "Every field is checked: tree sizes, leaf index, entry and leaf hash, roots, every proof hash.",
      "Exit: 0 verified, 1 does not verify, 2 bad input (missing or malformed field, bad option)."
    })
public final class LedgerVerifyProofCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--proof", required = true, paramLabel = "FILE", description = "Proof JSON from `ledger prove`.")
  Path proofFile;

  @Option(names = "--key", required = true, paramLabel = "LEDGER_PUB", description = "The ledger's public key (SPKI PEM).")
  Path key;

  @Option(names = "--entry-hash", paramLabel = "HEX",
      description = "Inclusion proofs only: also require the proof to be for this entry hash.")
  String entryHash;

  @Override
  public Integer call() {
    Optional<HashValue> wantedEntry = wantedEntry();
    VerifyingKey ledgerKey = LedgerFiles.publicKey(key, "--key");
    JsonNode json = LedgerFiles.readJson(proofFile, "--proof");
    CheckpointVerifier verifier = new CheckpointVerifier(ledgerKey);
    String type = json.path("type").asText();
    try {
      String verified = switch (type) {
        case InclusionProof.TYPE -> {
          InclusionProof proof = parse(() -> InclusionProof.parse(json));
          yield proof.verify(verifier, wantedEntry);
        }
        case ConsistencyProof.TYPE -> {
          if (wantedEntry.isPresent()) {
            throw CliFailure.badInput("--entry-hash applies to an inclusion proof only; this is a consistency proof");
          }
          ConsistencyProof proof = parse(() -> ConsistencyProof.parse(json));
          yield proof.verify(verifier);
        }
        default -> throw CliFailure.badInput(
            "--proof: `type` must be `inclusion` or `consistency`, got `" + LedgerFiles.printable(type) + "`");
      };
      spec.commandLine().getOut().println(verified);
    } catch (IllegalArgumentException e) { // a value the parser let through but a verifier cannot take
      throw CliFailure.badInput("--proof: " + LedgerFiles.printable(e.getMessage()));
    } catch (CheckpointVerificationException e) {
      throw CliFailure.verification(e.getMessage());
    } catch (ProofVerificationException e) {
      throw CliFailure.verification("proof does not verify: " + e.getMessage());
    }
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }

  private Optional<HashValue> wantedEntry() {
    if (entryHash == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(HashValue.fromHex(entryHash));
    } catch (IllegalArgumentException e) {
      throw CliFailure.badInput("--entry-hash: " + LedgerFiles.printable(e.getMessage()));
    }
  }

  private static <T> T parse(java.util.function.Supplier<T> parser) {
    try {
      return parser.get();
    } catch (IllegalArgumentException e) {
      throw CliFailure.badInput("--proof: " + LedgerFiles.printable(e.getMessage()));
    }
  }
}
