package dev.arbiter.cli.ledger;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.cli.CliFailure;
import dev.arbiter.cli.ExitCodes;
import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.merkle.MerkleProofs;
import dev.arbiter.ledger.merkle.Rfc9162;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.StoredEntry;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import dev.arbiter.ledger.tree.TiledTree;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "prove",
    mixinStandardHelpOptions = true,
    description = {
      "Print an RFC 9162 proof as JSON, against stored signed checkpoints:",
      "  --leaf N [--size M]   inclusion of leaf N in the tree of size M (default: latest checkpoint)",
      "  --from A --to B       consistency of the tree of size A with the tree of size B",
      "Check it offline with `arbiter ledger verify-proof`."
    })
public final class LedgerProveCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--db", required = true, paramLabel = "FILE", description = "The ledger database.")
  Path db;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Which which;

  static final class Which {
    @ArgGroup(exclusive = false)
    Inclusion inclusion;

    @ArgGroup(exclusive = false)
    Consistency consistency;
  }

  static final class Inclusion {
    @Option(names = "--leaf", required = true, paramLabel = "N", description = "Leaf index to prove.")
    long leaf;

    @Option(names = "--size", paramLabel = "M", description = "Tree size of a stored checkpoint (default: latest).")
    Long size;
  }

  static final class Consistency {
    @Option(names = "--from", required = true, paramLabel = "A", description = "Older tree size (a stored checkpoint).")
    long from;

    @Option(names = "--to", required = true, paramLabel = "B", description = "Newer tree size (a stored checkpoint).")
    long to;
  }

  @Override
  public Integer call() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode o = f.objectNode();
    try (SqliteLedgerStore store = LedgerFiles.openReadOnly(db)) {
      Checkpoint latest = store.latestCheckpoint().orElseThrow(() -> CliFailure.verification("the ledger has no signed checkpoint"));
      TiledTree tree = TiledTree.load(store, latest.treeSize());
      if (which.inclusion != null) {
        long size = which.inclusion.size == null ? latest.treeSize() : which.inclusion.size;
        long leaf = which.inclusion.leaf;
        if (leaf < 0 || leaf >= size) {
          throw CliFailure.badInput("--leaf " + leaf + " is not inside a tree of size " + size);
        }
        Checkpoint cp = checkpointAt(store, size, "--size");
        StoredEntry e = store.entry(leaf).orElseThrow(() -> CliFailure.verification("leaf " + leaf + " is missing from the database"));
        o.put("type", "inclusion");
        o.put("leaf_index", leaf);
        o.put("tree_size", size);
        o.put("entry_hash", HashValue.of(e.entryHash()).hex());
        o.put("leaf_hash", HashValue.of(Rfc9162.hashLeaf(e.entryHash())).hex());
        o.set("proof", hashes(MerkleProofs.inclusion(tree, leaf, size)));
        o.set("checkpoint", cp.toJson());
      } else {
        long a = which.consistency.from;
        long b = which.consistency.to;
        if (a < 1 || a > b) {
          throw CliFailure.badInput("--from " + a + " --to " + b + ": need 1 <= A <= B (a consistency proof from an empty tree proves nothing)");
        }
        Checkpoint cpA = checkpointAt(store, a, "--from");
        Checkpoint cpB = checkpointAt(store, b, "--to");
        o.put("type", "consistency");
        o.put("size1", a);
        o.put("size2", b);
        o.set("proof", hashes(MerkleProofs.consistency(tree, a, b)));
        o.set("checkpoint1", cpA.toJson());
        o.set("checkpoint2", cpB.toJson());
      }
    } catch (LedgerStoreException e) {
      throw LedgerFiles.storeFailure(e);
    } catch (TiledTree.TreeReadException | IllegalArgumentException e) {
      throw CliFailure.verification("cannot compute the proof from the stored data: " + e.getMessage()
          + "; run `arbiter ledger verify`");
    }
    spec.commandLine().getOut().println(o.toPrettyString());
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }

  private static Checkpoint checkpointAt(SqliteLedgerStore store, long size, String option) throws LedgerStoreException {
    return store.checkpoint(size).orElseThrow(() -> CliFailure.badInput(
        option + " " + size + ": no signed checkpoint at that tree size (checkpoints are written per commit batch; "
            + "`arbiter ledger show` and the latest checkpoint tell which sizes exist)"));
  }

  private static ArrayNode hashes(List<byte[]> proof) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    proof.forEach(h -> a.add(HashValue.of(h).hex()));
    return a;
  }
}
