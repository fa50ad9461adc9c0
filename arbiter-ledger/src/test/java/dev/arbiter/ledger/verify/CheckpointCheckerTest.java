package dev.arbiter.ledger.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.TestLedgers;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.checkpoint.CheckpointSigner;
import dev.arbiter.ledger.checkpoint.CheckpointVerificationException;
import dev.arbiter.ledger.verify.IntegrityFailure.Kind;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The checkpoint checker verifies signatures ahead on several threads; what it reports must not
 * depend on which verdict comes first.
 */
class CheckpointCheckerTest {
  private static final String LEDGER = "ldg_test";
  private final CheckpointSigner signer = new CheckpointSigner(TestLedgers.newKey());

  @Test
  void anEarlierBadSignature_isNamed_evenWhenALaterOneFailsFirst() throws Exception {
    CountDownLatch laterFailed = new CountDownLatch(1);
    CheckpointChecker checker = new CheckpointChecker(cp -> {
      if (cp.treeSize() == 650) {
        laterFailed.countDown();
        throw new CheckpointVerificationException("bad signature at 650 (test)");
      }
      if (cp.treeSize() == 300) {
        try {
          laterFailed.await(10, TimeUnit.SECONDS); // this verdict comes only after 650's
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new CheckpointVerificationException("bad signature at 300 (test)");
      }
    }, LEDGER);
    submitAll(checker, 700);
    assertThatThrownBy(checker::finish).isInstanceOfSatisfying(LedgerVerificationException.class, e -> {
      assertThat(e.failure().kind()).isEqualTo(Kind.CHECKPOINT_SIGNATURE);
      assertThat(e.failure().checkpointSize()).isEqualTo(300);
    });
  }

  @Test
  void aCheckThatThrows_isNamedAtItsCheckpoint_andNothingHangs() throws Exception {
    CheckpointChecker checker = new CheckpointChecker(cp -> {
      if (cp.treeSize() == 40) {
        throw new IllegalStateException("unreadable checkpoint (test)");
      }
    }, LEDGER);
    submitAll(checker, 5000); // past the 4096 queued items a dead checker thread would leave the scan blocked on
    assertThatThrownBy(checker::finish).isInstanceOfSatisfying(LedgerVerificationException.class, e -> {
      assertThat(e.failure().kind()).isEqualTo(Kind.CHECKPOINT_SIGNATURE);
      assertThat(e.failure().checkpointSize()).isEqualTo(40);
      assertThat(e.getMessage()).contains("could not be checked");
    });
  }

  /** Checkpoints at sizes 1..n, each with its own (made-up) root, which is also the root "computed" there. */
  private void submitAll(CheckpointChecker checker, int n) throws LedgerVerificationException {
    for (int size = 1; size <= n; size++) {
      byte[] root = new byte[32];
      root[0] = (byte) size;
      root[1] = (byte) (size >> 8);
      Checkpoint cp = signer.sign(LEDGER, size, HashValue.of(root), "2026-11-26T00:00:00Z");
      try {
        checker.submit(cp, cp.rootHash(), size);
      } catch (LedgerVerificationException stopEarly) {
        return; // the checker already failed: the scan stops submitting, as LedgerVerifier does
      }
    }
  }
}
