package dev.arbiter.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.merkle.ProofVerifier;
import dev.arbiter.ledger.merkle.Rfc9162;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inclusion proofs against the latest checkpoint while appends go on, as the engine builds receipts
 * for decisions it re-reads: every proof must be built and verify. A band-0 tile completed by a batch
 * the committer has not written yet must not be looked for in the store (it was, and a proof against
 * a checkpoint inside that tile failed with "the store is missing rows").
 */
class ProofsWhileAppendingTest {
  @TempDir Path dir;

  @Test
  @Timeout(120)
  void proofsAgainstTheLatestCheckpoint_whileAppending_areAlwaysBuiltAndVerify() throws Exception {
    SigningKey key = TestLedgers.newKey();
    try (Ledger ledger = TestLedgers.open(dir.resolve("l.db"), key)) {
      AtomicBoolean appending = new AtomicBoolean(true);
      ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
      AtomicLong proofs = new AtomicLong();
      Thread prover = Thread.ofPlatform().start(() -> {
        while (appending.get()) {
          Checkpoint cp = ledger.latestCheckpoint();
          long size = cp.treeSize();
          if (size == 0) {
            continue;
          }
          long leaf = size - 1 - (proofs.get() % Math.min(size, 300)); // the newest leaves: the tiles in flux
          try {
            byte[] entryHash = ledger.store().entry(leaf).orElseThrow().entryHash();
            var path = ledger.inclusionProof(leaf, size);
            ProofVerifier.verifyInclusion(Rfc9162.hashLeaf(entryHash), leaf, size,
                path.stream().map(HashValue::bytes).toList(), cp.rootHash().bytes());
            proofs.incrementAndGet();
          } catch (Throwable t) {
            failures.add(t);
          }
        }
      });
      // Writers that each wait for their own append: batches are sequenced while earlier ones are
      // still being committed, which is when a tile is complete in the tree but not yet in the store.
      List<Thread> writers = new ArrayList<>();
      for (int w = 0; w < 64; w++) {
        int writer = w;
        writers.add(Thread.ofPlatform().start(() -> {
          for (int i = 0; i < 400; i++) {
            ledger.append(TestLedgers.draft("dec_s" + writer, "decision.created", i)).join();
          }
        }));
      }
      for (Thread t : writers) {
        t.join();
      }
      appending.set(false);
      prover.join();

      assertThat(failures).as("proofs that failed (of %d built)", proofs.get()).isEmpty();
      assertThat(proofs.get()).isPositive();
      assertThat(ledger.latestCheckpoint().treeSize()).isEqualTo(25_600);
    }
  }
}
