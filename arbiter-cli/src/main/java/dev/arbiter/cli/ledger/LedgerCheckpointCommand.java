package dev.arbiter.cli.ledger;

import dev.arbiter.cli.CliFailure;
import dev.arbiter.cli.ExitCodes;
import dev.arbiter.ledger.checkpoint.Checkpoint;
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
      "Later, `ledger verify --trusted-checkpoint FILE` proves the ledger still contains it."
    })
public final class LedgerCheckpointCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--db", required = true, paramLabel = "FILE", description = "The ledger database.")
  Path db;

  @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the checkpoint (JSON).")
  Path out;

  @Override
  public Integer call() {
    Checkpoint cp;
    try (SqliteLedgerStore store = LedgerFiles.openReadOnly(db)) {
      cp = store.latestCheckpoint().orElseThrow(() -> CliFailure.verification("the ledger has no signed checkpoint"));
    } catch (LedgerStoreException e) {
      throw LedgerFiles.storeFailure(e);
    }
    dev.arbiter.cli.OutputFile.write(out, (cp.toJson().toPrettyString() + "\n").getBytes(StandardCharsets.UTF_8), "--out");
    spec.commandLine().getOut().printf("wrote checkpoint of ledger %s: tree size %d, root %s -> %s%n",
        cp.ledgerId(), cp.treeSize(), cp.rootHash().hex(), out);
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }
}
