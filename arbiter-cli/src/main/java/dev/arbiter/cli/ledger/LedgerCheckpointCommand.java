package dev.arbiter.cli.ledger;

import dev.arbiter.cli.CliFailure;
import dev.arbiter.cli.ExitCodes;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
    Path tmp = null;
    try {
      Path abs = out.toAbsolutePath();
      // The file is replaced by a rename: a FIFO or a device node at --out (/dev/full, as root) was
      // replaced by a regular file. Only a regular file is replaced (missing directories are created).
      if (Files.isSymbolicLink(abs)) {
        // The rename would replace the link itself, not write where it points.
        throw CliFailure.badInput("--out: " + out + " is a symbolic link; give the path of the file itself");
      }
      if (Files.exists(abs) && !Files.isRegularFile(abs)) {
        throw CliFailure.badInput("--out: " + out + " exists and is not a regular file; give a file path");
      }
      if (abs.getParent() != null) {
        Files.createDirectories(abs.getParent());
      }
      tmp = Files.createTempFile(abs.getParent(), ".checkpoint", ".tmp");
      Files.writeString(tmp, cp.toJson().toPrettyString() + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      tmp = null;
    } catch (IOException e) {
      throw CliFailure.badInput("--out: cannot write " + out + ": " + LedgerFiles.reason(e));
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp); // the move failed (--out is a directory, say): leave nothing behind
        } catch (IOException ignored) {
          // the failure above is what the user needs to hear about
        }
      }
    }
    spec.commandLine().getOut().printf("wrote checkpoint of ledger %s: tree size %d, root %s -> %s%n",
        cp.ledgerId(), cp.treeSize(), cp.rootHash().hex(), out);
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }
}
