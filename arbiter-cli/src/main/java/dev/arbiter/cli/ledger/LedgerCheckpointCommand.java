package dev.arbiter.cli.ledger;

import dev.arbiter.cli.CliFailure;
import dev.arbiter.cli.ExitCodes;
import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.checkpoint.CheckpointVerificationException;
import dev.arbiter.ledger.checkpoint.CheckpointVerifier;
import dev.arbiter.ledger.merkle.MerkleProofs;
import dev.arbiter.ledger.tree.TiledTree;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "checkpoint",
    mixinStandardHelpOptions = true,
    description = {
      "Export the latest signed checkpoint to a file, to keep where the database's owner cannot write.",
      "Later, `ledger verify --trusted-checkpoint FILE` proves the ledger still contains it.",
      "Before writing it checks that the checkpoint covers every stored entry and that its root is the",
      "stored tree's; with --key, also its signature. It does not check the entries themselves: run",
      "`arbiter ledger verify` for that (an export is only as good as the ledger it was taken from).",
      "Exit: 0 written, 1 the checkpoint does not match the stored ledger, 2 bad input, 3 unavailable."
    })
public final class LedgerCheckpointCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--db", required = true, paramLabel = "FILE", description = "The ledger database.")
  Path db;

  @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the checkpoint (JSON).")
  Path out;

  @Option(names = "--key", paramLabel = "LEDGER_PUB",
      description = "The ledger's public key (SPKI PEM): also check the checkpoint's signature before writing it.")
  Path key;

  @Override
  public Integer call() {
    VerifyingKey ledgerKey = key == null ? null : LedgerFiles.publicKey(key, "--key");
    Checkpoint cp;
    try (SqliteLedgerStore store = LedgerFiles.openReadOnly(db)) {
      cp = store.latestCheckpoint().orElseThrow(() -> CliFailure.verification("the ledger has no signed checkpoint"));
      requireMatchesStoredLedger(store, cp);
    } catch (LedgerStoreException e) {
      throw LedgerFiles.storeFailure(e);
    } catch (TiledTree.TreeReadException | IllegalArgumentException e) {
      throw CliFailure.verification("cannot compute the stored tree's root: " + e.getMessage()
          + "; nothing written: run `arbiter ledger verify`");
    }
    if (ledgerKey != null) {
      try {
        new CheckpointVerifier(ledgerKey).verify(cp);
      } catch (CheckpointVerificationException e) {
        throw CliFailure.verification(e.getMessage() + "; nothing written");
      }
    }
    dev.arbiter.cli.OutputFile.write(out, (cp.toJson().toPrettyString() + "\n").getBytes(StandardCharsets.UTF_8), "--out");
    spec.commandLine().getOut().printf("wrote checkpoint of ledger %s: tree size %d, root %s -> %s%n",
        cp.ledgerId(), cp.treeSize(), cp.rootHash().hex(), out);
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }

  /**
   * The newest checkpoint row is what a hostile writer leaves there: one with later checkpoints
   * deleted (a weaker anchor, below entries the database still holds) or an altered root (an anchor
   * the genuine ledger then fails). Both are refused before anything is written. A read-only store
   * reads one snapshot, and every commit writes its entries and its checkpoint together, so on a live
   * ledger the two sizes agree.
   */
  private static void requireMatchesStoredLedger(SqliteLedgerStore store, Checkpoint cp) throws LedgerStoreException {
    long stored = store.size();
    if (stored != cp.treeSize()) {
      throw CliFailure.verification("the latest signed checkpoint covers " + cp.treeSize() + " entries, but the database"
          + " holds entries up to leaf " + (stored - 1) + "; nothing written: run `arbiter ledger verify`");
    }
    HashValue root = HashValue.of(MerkleProofs.root(TiledTree.load(store, cp.treeSize()), cp.treeSize()));
    if (!root.equals(cp.rootHash())) {
      throw CliFailure.verification("the latest signed checkpoint (tree size " + cp.treeSize() + ") has root "
          + cp.rootHash().hex() + ", but the stored tree's root is " + root.hex() + "; nothing written: run `arbiter ledger verify`");
    }
  }
}
