package dev.arbiter.cli.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.cli.CliFailure;
import dev.arbiter.cli.ExitCodes;
import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.checkpoint.CheckpointVerificationException;
import dev.arbiter.ledger.checkpoint.CheckpointVerifier;
import dev.arbiter.ledger.merkle.ProofVerificationException;
import dev.arbiter.ledger.merkle.ProofVerifier;
import dev.arbiter.ledger.merkle.Rfc9162;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "verify-proof",
    mixinStandardHelpOptions = true,
    description = {
      "Check a proof printed by `arbiter ledger prove`, offline, with the ledger's public key:",
      "the checkpoint signature(s), then the inclusion or consistency proof against the signed root(s).",
      "Exit: 0 verified, 1 does not verify, 2 bad input."
    })
public final class LedgerVerifyProofCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--proof", required = true, paramLabel = "FILE", description = "Proof JSON from `ledger prove`.")
  Path proofFile;

  @Option(names = "--key", required = true, paramLabel = "LEDGER_PUB", description = "The ledger's public key (SPKI PEM).")
  Path key;

  @Option(names = "--entry-hash", paramLabel = "HEX", description = "Also require the proof to be for this entry hash.")
  String entryHash;

  @Override
  public Integer call() {
    VerifyingKey ledgerKey = LedgerFiles.publicKey(key, "--key");
    JsonNode json = LedgerFiles.readJson(proofFile, "--proof");
    CheckpointVerifier verifier = new CheckpointVerifier(ledgerKey);
    try {
      String type = json.path("type").asText();
      switch (type) {
        case "inclusion" -> {
          Checkpoint cp = Checkpoint.fromJson(json.get("checkpoint"));
          verifier.verify(cp);
          long leaf = integer(json, "leaf_index");
          long size = integer(json, "tree_size");
          if (size != cp.treeSize()) {
            throw CliFailure.verification("proof tree_size " + size + " differs from its checkpoint's " + cp.treeSize());
          }
          HashValue eh = HashValue.fromHex(json.path("entry_hash").asText());
          if (entryHash != null && !HashValue.fromHex(entryHash).equals(eh)) {
            throw CliFailure.verification("the proof is for entry hash " + eh.hex() + ", not " + entryHash);
          }
          ProofVerifier.verifyInclusion(Rfc9162.hashLeaf(eh.bytes()), leaf, size, hashes(json), cp.rootHash().bytes());
          spec.commandLine().getOut().printf("ok: leaf %d (entry %s) is in ledger %s at tree size %d%n",
              leaf, eh.hex(), cp.ledgerId(), size);
        }
        case "consistency" -> {
          Checkpoint a = Checkpoint.fromJson(json.get("checkpoint1"));
          Checkpoint b = Checkpoint.fromJson(json.get("checkpoint2"));
          verifier.verify(a);
          verifier.verify(b);
          if (!a.ledgerId().equals(b.ledgerId())) {
            throw CliFailure.verification("the two checkpoints are from different ledgers");
          }
          ProofVerifier.verifyConsistency(a.treeSize(), b.treeSize(), hashes(json), a.rootHash().bytes(), b.rootHash().bytes());
          spec.commandLine().getOut().printf("ok: ledger %s at size %d extends its state at size %d%n",
              a.ledgerId(), b.treeSize(), a.treeSize());
        }
        default -> throw CliFailure.badInput("--proof: `type` must be `inclusion` or `consistency`, got `" + type + "`");
      }
    } catch (IllegalArgumentException e) {
      throw CliFailure.badInput("--proof: " + e.getMessage());
    } catch (CheckpointVerificationException e) {
      throw CliFailure.verification(e.getMessage());
    } catch (ProofVerificationException e) {
      throw CliFailure.verification("proof does not verify: " + e.getMessage());
    }
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }

  private static long integer(JsonNode json, String field) {
    JsonNode v = json.get(field);
    // An integer node that fits a long: canConvertToExactIntegral() also took 5.0, and asLong()
    // wrapped 2^64 + 5 to 5 (a proof for leaf 5 accepted as one for leaf 2^64 + 5).
    if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new IllegalArgumentException("`" + field + "` must be an integer (at most 2^63 - 1)");
    }
    return v.asLong();
  }

  private static List<byte[]> hashes(JsonNode json) {
    JsonNode proof = json.get("proof");
    if (proof == null || !proof.isArray()) {
      throw new IllegalArgumentException("`proof` must be an array of hex hashes");
    }
    List<byte[]> out = new ArrayList<>();
    for (JsonNode h : proof) {
      out.add(HashValue.fromHex(h.asText()).bytes());
    }
    return out;
  }
}
