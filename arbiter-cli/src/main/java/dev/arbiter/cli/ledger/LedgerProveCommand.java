package dev.arbiter.cli.ledger;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.cli.CliFailure;
import dev.arbiter.cli.ExitCodes;
import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.merkle.MerkleProofs;
import dev.arbiter.ledger.merkle.ProofVerificationException;
import dev.arbiter.ledger.merkle.ProofVerifier;
import dev.arbiter.ledger.merkle.Rfc9162;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.StoredEntry;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import dev.arbiter.ledger.tree.TiledTree;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ledger prove}: proofs at any tree size up to the latest signed checkpoint's, each anchored
 * in a signed checkpoint (the size's own, or the next one with a consistency proof to it). The JSON
 * forms are {@link InclusionProof} and {@link ConsistencyProof}.
 */
@Command(
    name = "prove",
    mixinStandardHelpOptions = true,
    description = {
      "Print an RFC 9162 proof as JSON, anchored in the ledger's signed checkpoints:",
      "  --leaf N [--size M]   inclusion of leaf N in the tree of size M (default: the latest checkpoint's)",
      "  --from A --to B       consistency of the tree of size A with the tree of size B",
      "Any size up to the latest checkpoint's works. A size no commit batch ended at has no checkpoint",
      "of its own: the proof then adds its root and a consistency proof to the next signed checkpoint.",
      "`arbiter ledger checkpoint` shows the latest checkpoint. Check a proof offline with",
      "`arbiter ledger verify-proof`."
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

    @Option(names = "--size", paramLabel = "M",
        description = "Tree size, at most the latest checkpoint's (default: the latest checkpoint's).")
    Long size;
  }

  static final class Consistency {
    @Option(names = "--from", required = true, paramLabel = "A", description = "Older tree size, at least 1.")
    long from;

    @Option(names = "--to", required = true, paramLabel = "B", description = "Newer tree size, at most the latest checkpoint's.")
    long to;
  }

  /** The signed checkpoint at a size or the next one, and (for the next one) the root and the proof to it. */
  private record Anchor(Checkpoint checkpoint, Optional<HashValue> root, Optional<List<byte[]>> consistency) {
    /** The root at the proof's size: the checkpoint's own, or the one computed for a size without one. */
    HashValue rootAt(long size) {
      return size == checkpoint.treeSize() ? checkpoint.rootHash() : root.orElseThrow();
    }
  }

  @Override
  public Integer call() {
    ObjectNode o;
    try (SqliteLedgerStore store = LedgerFiles.openReadOnly(db)) {
      Checkpoint latest = store.latestCheckpoint().orElseThrow(() -> CliFailure.verification("the ledger has no signed checkpoint"));
      TiledTree tree = TiledTree.load(store, latest.treeSize());
      o = which.inclusion != null ? inclusion(store, tree, latest) : consistency(store, tree, latest);
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

  private ObjectNode inclusion(SqliteLedgerStore store, TiledTree tree, Checkpoint latest) throws LedgerStoreException {
    long size = which.inclusion.size == null ? latest.treeSize() : which.inclusion.size;
    long leaf = which.inclusion.leaf;
    requireCovered("--size", size, latest);
    if (leaf < 0 || leaf >= size) {
      throw CliFailure.badInput("--leaf " + leaf + " is not inside a tree of size " + size);
    }
    Anchor anchor = anchor(store, tree, size);
    StoredEntry e = store.entry(leaf).orElseThrow(() -> CliFailure.verification("leaf " + leaf + " is missing from the database"));
    byte[] leafHash = Rfc9162.hashLeaf(e.entryHash());
    List<byte[]> path = MerkleProofs.inclusion(tree, leaf, size);
    requireVerifies(() -> ProofVerifier.verifyInclusion(leafHash, leaf, size, path, anchor.rootAt(size).bytes()), anchor, size);
    return new InclusionProof(leaf, size, HashValue.of(e.entryHash()), HashValue.of(leafHash),
        path, anchor.checkpoint(), anchor.root(), anchor.consistency()).toJson();
  }

  private ObjectNode consistency(SqliteLedgerStore store, TiledTree tree, Checkpoint latest) throws LedgerStoreException {
    long a = which.consistency.from;
    long b = which.consistency.to;
    if (a < 1 || a > b) {
      throw CliFailure.badInput("--from " + a + " --to " + b + ": need 1 <= A <= B (a consistency proof from an empty tree proves nothing)");
    }
    requireCovered("--to", b, latest);
    Optional<Checkpoint> cpA = store.checkpoint(a);
    Optional<HashValue> rootA = cpA.isPresent() ? Optional.empty() : Optional.of(HashValue.of(MerkleProofs.root(tree, a)));
    Anchor anchorB = anchor(store, tree, b);
    List<byte[]> proof = MerkleProofs.consistency(tree, a, b);
    byte[] root1 = cpA.map(Checkpoint::rootHash).or(() -> rootA).orElseThrow().bytes();
    requireVerifies(() -> ProofVerifier.verifyConsistency(a, b, proof, root1, anchorB.rootAt(b).bytes()), anchorB, b);
    return new ConsistencyProof(a, b, proof, cpA, rootA, anchorB.checkpoint(), anchorB.root(), anchorB.consistency()).toJson();
  }

  private interface ProofCheck {
    void run() throws ProofVerificationException;
  }

  /**
   * A proof computed from hand-edited rows or Merkle nodes does not verify against the signed
   * checkpoint the database holds: refused here (exit 1) instead of printed with exit 0 for {@code
   * verify-proof} to find. With no key, the hashes are all that is checked; the checkpoints' signatures
   * are {@code verify-proof}'s to check.
   */
  private static void requireVerifies(ProofCheck proof, Anchor anchor, long size) {
    try {
      proof.run();
      if (anchor.consistency().isPresent()) {
        ProofVerifier.verifyConsistency(size, anchor.checkpoint().treeSize(), anchor.consistency().get(),
            anchor.rootAt(size).bytes(), anchor.checkpoint().rootHash().bytes());
      }
    } catch (ProofVerificationException e) {
      throw CliFailure.verification("the stored data does not agree with the signed checkpoint at tree size "
          + anchor.checkpoint().treeSize() + " (" + e.getMessage() + "); no proof printed: run `arbiter ledger verify`");
    }
  }

  /** Sizes above the latest checkpoint's have no signed root to anchor them in (yet). */
  private static void requireCovered(String option, long size, Checkpoint latest) {
    if (size > latest.treeSize()) {
      throw CliFailure.badInput(option + " " + size + " is beyond the latest signed checkpoint (tree size "
          + latest.treeSize() + "); proofs are against signed checkpoints, see `arbiter ledger checkpoint`");
    }
  }

  private static Anchor anchor(SqliteLedgerStore store, TiledTree tree, long size) throws LedgerStoreException {
    Checkpoint cp = store.checkpointAtOrAfter(size).orElseThrow(() -> CliFailure.verification(
        "no signed checkpoint at or after tree size " + size + " although the latest covers it; run `arbiter ledger verify`"));
    if (cp.treeSize() == size) {
      return new Anchor(cp, Optional.empty(), Optional.empty());
    }
    return new Anchor(cp, Optional.of(HashValue.of(MerkleProofs.root(tree, size))),
        Optional.of(MerkleProofs.consistency(tree, size, cp.treeSize())));
  }
}
