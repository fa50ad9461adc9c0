package dev.arbiter.cli.ledger;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.cli.CliFailure;
import dev.arbiter.cli.ExitCodes;
import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import dev.arbiter.ledger.verify.IntegrityFailure;
import dev.arbiter.ledger.verify.LedgerVerificationException;
import dev.arbiter.ledger.verify.LedgerVerifier;
import dev.arbiter.ledger.verify.VerificationReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Verify a whole ledger with its public key only, in constant memory.",
      "It checks every stream's hash chain, every entry's position, the Merkle root against every signed",
      "checkpoint, and (with --trusted-checkpoint) that the ledger still contains a checkpoint kept",
      "elsewhere, which is what catches a truncated tail.",
      "On failure it names the first bad entry: leaf index, stream, stream_seq, expected and found.",
      "Exit: 0 verified, 1 verification failed, 2 bad input (not a ledger, unreadable key), 3 unavailable."
    })
public final class LedgerVerifyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--db", required = true, paramLabel = "FILE", description = "The ledger database (SQLite file).")
  Path db;

  @Option(names = "--key", required = true, paramLabel = "LEDGER_PUB", description = "The ledger's public key (SPKI PEM).")
  Path key;

  @Option(names = "--trusted-checkpoint", paramLabel = "FILE",
      description = "A checkpoint exported earlier (`arbiter ledger checkpoint`) and kept outside the database.")
  Path trustedCheckpoint;

  @Option(names = "--json", description = "Print one JSON object with the result.")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      VerifyingKey ledgerKey = LedgerFiles.publicKey(key, "--key");
      Checkpoint trusted = trustedCheckpoint == null ? null : LedgerFiles.readCheckpoint(trustedCheckpoint, "--trusted-checkpoint");
      SqliteLedgerStore.syncFailureNote(db).ifPresent(note -> err.println("warning: " + LedgerFiles.printable(note)));
      return verify(ledgerKey, trusted, out, err);
    } catch (CliFailure f) {
      if (f.exitCode() == ExitCodes.VERIFICATION_FAILED) {
        // Data too damaged to name an entry (an SQLite page that does not hold together, a row of the
        // wrong shape): reported like every other failed verification, on stdout.
        if (json) {
          ObjectNode o = JsonNodeFactory.instance.objectNode();
          o.put("ok", false);
          ObjectNode failure = o.putObject("failure");
          failure.put("kind", "malformed");
          failure.put("message", f.getMessage());
          out.println(o);
        } else {
          out.println("FAILED: " + LedgerFiles.printable(f.getMessage()));
        }
        out.flush();
        return ExitCodes.VERIFICATION_FAILED;
      }
      if (json) {
        // Nothing was verified (bad input, exit 2; the ledger cannot be read, exit 3): a script reading
        // --json still gets its one object; the message is on stderr too.
        printError(out, f.exitCode(), f.getMessage());
      }
      throw f;
    }
  }

  /**
   * The one object {@code --json} prints when nothing was verified: also for a command line picocli
   * refused before {@link #call()} ran (a missing {@code --key}, an unknown option).
   */
  public static void printError(PrintWriter out, int exitCode, String message) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("ok", false);
    ObjectNode error = o.putObject("error");
    error.put("exit_code", exitCode);
    error.put("message", message);
    out.println(o);
    out.flush();
  }

  private int verify(VerifyingKey ledgerKey, Checkpoint trusted, PrintWriter out, PrintWriter err) {
    try (SqliteLedgerStore store = LedgerFiles.openReadOnly(db)) {
      Progress progress = new Progress(err, "verified entries", -1);
      VerificationReport r = new LedgerVerifier(store, ledgerKey, trusted, progress).verify();
      double rate = r.seconds() > 0 ? r.entries() / r.seconds() : 0;
      if (json) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("ok", true);
        o.put("ledger_id", r.ledgerId());
        o.put("entries", r.entries());
        o.put("checkpoints", r.checkpoints());
        o.put("root_hash", r.root().hex());
        if (r.trustedCheckpointSize() >= 0) {
          o.put("trusted_checkpoint_tree_size", r.trustedCheckpointSize());
        }
        o.put("seconds", r.seconds());
        o.put("entries_per_second", Math.round(rate));
        if (!r.warnings().isEmpty()) {
          r.warnings().forEach(o.putArray("warnings")::add);
        }
        out.println(o);
      } else {
        r.warnings().forEach(w -> err.println("warning: " + LedgerFiles.printable(w)));
        err.flush();
        // Under a second the rate measures the JVM's start, not the verifier: it is left out.
        out.printf("ok: ledger %s verified: %d entries, %d signed checkpoints, root %s%s (%.2f s%s)%n",
            r.ledgerId(), r.entries(), r.checkpoints(), r.root().hex(),
            r.trustedCheckpointSize() >= 0 ? ", contains the trusted checkpoint at size " + r.trustedCheckpointSize() : "",
            r.seconds(), r.seconds() >= 1 ? String.format(java.util.Locale.ROOT, ", %.0f entries/s", rate) : "");
      }
      out.flush();
      return ExitCodes.OK;
    } catch (LedgerVerificationException e) {
      IntegrityFailure f = e.failure();
      // Entries before the one named passed; the scan itself may have read past it (a tail that no
      // checkpoint covers is found once every entry was read: "2001 verified before" leaf 2000).
      long verifiedBefore = f.leafIndex() >= 0 ? Math.min(e.entriesVerified(), f.leafIndex()) : e.entriesVerified();
      if (json) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("ok", false);
        o.put("entries_verified", verifiedBefore);
        o.set("failure", f.toJson());
        out.println(o);
        out.flush();
      } else {
        out.println("FAILED: " + LedgerFiles.printable(f.message()));
        if (f.leafIndex() >= 0) {
          out.println("  leaf index:  " + f.leafIndex());
        }
        if (f.streamId() != null) {
          out.println("  stream:      " + LedgerFiles.printable(f.streamId()));
        }
        if (f.streamSeq() >= 0) {
          out.println("  stream_seq:  " + f.streamSeq());
        }
        if (f.checkpointSize() >= 0) {
          out.println("  checkpoint:  tree size " + f.checkpointSize());
        }
        if (f.suspectsFrom() >= 0) {
          out.println("  changed:     one or more of leaves " + f.suspectsFrom() + " to " + (f.checkpointSize() - 1));
        }
        if (f.expected() != null) {
          out.println("  expected:    " + LedgerFiles.printable(f.expected()));
        }
        if (f.found() != null) {
          out.println("  found:       " + LedgerFiles.printable(f.found()));
        }
        out.println("  (" + verifiedBefore + " entries verified before this; kind " + f.kind().name().toLowerCase() + ")");
        out.flush();
      }
      return ExitCodes.VERIFICATION_FAILED;
    } catch (LedgerStoreException e) {
      throw LedgerFiles.storeFailure(e);
    }
  }
}
