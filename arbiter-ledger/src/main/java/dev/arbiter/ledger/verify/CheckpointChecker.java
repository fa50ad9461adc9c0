package dev.arbiter.ledger.verify;

import static dev.arbiter.ledger.verify.IntegrityFailure.atCheckpoint;

import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.checkpoint.CheckpointVerificationException;
import dev.arbiter.ledger.checkpoint.CheckpointVerifier;
import dev.arbiter.ledger.verify.IntegrityFailure.Kind;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Checks stored checkpoints, in order, on its own thread, beside the entry scan. For each: the pinned
 * key's signature, this ledger's id, a timestamp not before the previous checkpoint's, and the signed
 * root equal to the root the scan computed at that size. The first failure in checkpoint order is
 * kept and reported; the queue is bounded, so memory stays constant.
 *
 * <p>The signatures are verified ahead, on up to as many threads as there are processors: a ledger
 * written under light load has a checkpoint every few entries (one per commit batch), and one
 * Ed25519 verification (~68 µs here) per checkpoint then outweighs everything else verification
 * does per entry (~2.5 µs); on one thread it held a 1M-entry ledger of 118,379 checkpoints to
 * ~100,000 entries/s (BENCHMARKS.md). The ordered thread still takes each verdict in order.
 */
final class CheckpointChecker {
  private record Item(Checkpoint checkpoint, HashValue computedRoot, long position,
      CompletableFuture<CheckpointVerificationException> signature) {}

  private static final Item END = new Item(null, null, -1, null);

  /** The signature check of one checkpoint ({@link CheckpointVerifier#verify}; tests delay or fail some). */
  @FunctionalInterface
  interface SignatureCheck {
    void verify(Checkpoint cp) throws CheckpointVerificationException;
  }

  private final SignatureCheck verifier;
  private final String ledgerId;
  private final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(4096);
  private final ThreadPoolExecutor signatures;
  private final Thread thread;
  private volatile LedgerVerificationException failure;
  private volatile boolean stopped;
  private long count;
  private long lastSize = -1;
  private String lastTimestamp = "";

  CheckpointChecker(CheckpointVerifier verifier, String ledgerId) {
    this(verifier::verify, ledgerId);
  }

  CheckpointChecker(SignatureCheck verifier, String ledgerId) {
    this.verifier = verifier;
    this.ledgerId = ledgerId;
    // One signature thread while it keeps up; more (up to one per processor) only once 256 wait.
    // Always as many as processors cost ~7% on a ledger of large batches (11,173 checkpoints per 1M
    // entries), where one thread keeps up. Past all of them the scan thread verifies (backpressure).
    this.signatures = new ThreadPoolExecutor(1, Math.max(1, Runtime.getRuntime().availableProcessors()), 1, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(256), Thread.ofPlatform().name("arbiter-verify-signatures-", 0).daemon(true).factory(),
        new ThreadPoolExecutor.CallerRunsPolicy());
    this.thread = Thread.ofPlatform().name("arbiter-verify-checkpoints").daemon(true).start(this::run);
  }

  /** Queues a checkpoint met at scan position {@code position} with the root computed there. */
  void submit(Checkpoint cp, HashValue computedRoot, long position) throws LedgerVerificationException {
    throwIfFailed();
    if (stopped) {
      // The pool is shut down: a task given to it now would never run, and its verdict never come.
      throw new IllegalStateException("checkpoint submitted after the checker was finished or abandoned");
    }
    CompletableFuture<CheckpointVerificationException> signature = CompletableFuture.supplyAsync(() -> {
      if (failure != null) {
        return null; // verification has failed or was abandoned: the verdict is never looked at
      }
      try {
        verifier.verify(cp);
        return null;
      } catch (CheckpointVerificationException e) {
        return e;
      }
    }, signatures);
    putUninterruptibly(new Item(cp, computedRoot, position, signature));
  }

  void throwIfFailed() throws LedgerVerificationException {
    LedgerVerificationException f = failure;
    if (f != null) {
      throw f;
    }
  }

  /** Waits for every queued checkpoint to be checked; throws the first failure, if any. */
  void finish() throws LedgerVerificationException {
    if (!stopped) {
      stopped = true;
      putUninterruptibly(END);
    }
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    signatures.shutdown();
    throwIfFailed();
  }

  /** Stops the thread without waiting for a verdict (used when the scan itself failed to read). */
  void abandon() {
    failure = failure == null ? new LedgerVerificationException(
        atCheckpoint(Kind.CHECKPOINT_ORDER, -1, null, null, "verification abandoned"), 0) : failure;
    if (!stopped) {
      stopped = true;
      queue.clear();
      queue.offer(END);
    }
    // Not shutdownNow: a verdict the ordered thread waits for must still come (quickly: see submit).
    signatures.shutdown();
  }

  long count() {
    return count;
  }

  long lastSize() {
    return lastSize;
  }

  private void putUninterruptibly(Item item) {
    while (true) {
      try {
        queue.put(item);
        return;
      } catch (InterruptedException e) {
        // retry: the item must be checked
      }
    }
  }

  private void run() {
    while (true) {
      Item item;
      try {
        item = queue.take();
      } catch (InterruptedException e) {
        continue;
      }
      if (item == END) {
        return;
      }
      if (failure != null) {
        continue;
      }
      try {
        check(item.checkpoint(), item.computedRoot(), item.position(), item.signature().join());
        count++;
        lastSize = item.checkpoint().treeSize();
        lastTimestamp = item.checkpoint().timestamp();
      } catch (LedgerVerificationException e) {
        failure = e;
      } catch (RuntimeException | Error e) {
        // A stored checkpoint this code cannot even check (its verification threw): named as what it
        // is, not left to look like uncovered entries once this thread is gone.
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        failure = new LedgerVerificationException(atCheckpoint(Kind.CHECKPOINT_SIGNATURE, item.checkpoint().treeSize(), null,
            null, "checkpoint at size " + item.checkpoint().treeSize() + " could not be checked: " + cause), item.position());
      }
    }
  }

  /** The ordered checks of one checkpoint; {@code badSignature} is the signature's verdict (null: it verifies). */
  private void check(Checkpoint cp, HashValue root, long n, CheckpointVerificationException badSignature)
      throws LedgerVerificationException {
    if (badSignature != null) {
      throw new LedgerVerificationException(atCheckpoint(Kind.CHECKPOINT_SIGNATURE, cp.treeSize(),
          "a signature by the ledger key over (tree_size, root_hash, timestamp, ledger_id)", "a signature that does not verify",
          badSignature.getMessage()), n);
    }
    if (!cp.ledgerId().equals(ledgerId)) {
      throw new LedgerVerificationException(atCheckpoint(Kind.CHECKPOINT_FOREIGN, cp.treeSize(), ledgerId, cp.ledgerId(),
          "checkpoint at size " + cp.treeSize() + " belongs to ledger " + cp.ledgerId() + ", not " + ledgerId), n);
    }
    if (cp.timestamp().compareTo(lastTimestamp) < 0) {
      throw new LedgerVerificationException(atCheckpoint(Kind.CHECKPOINT_ORDER, cp.treeSize(), "after " + lastTimestamp,
          cp.timestamp(), "checkpoint at size " + cp.treeSize() + " is dated before the previous checkpoint"), n);
    }
    if (!root.equals(cp.rootHash())) {
      // The entries before the previous checkpoint hash to its signed root, so the change is among
      // those since; which one cannot be told once the stream chains were recomputed to hide it.
      long from = Math.max(lastSize, 0);
      throw new LedgerVerificationException(IntegrityFailure.rootMismatch(cp.treeSize(), from, cp.rootHash().hex(),
          root.hex(),
          "the first " + cp.treeSize() + " entries hash to Merkle root " + root.hex()
              + ", but the signed checkpoint at that size says " + cp.rootHash().hex() + ": one or more of the "
              + (cp.treeSize() - from) + " entries at leaves " + from + " to " + (cp.treeSize() - 1)
              + (lastSize > 0 ? " (since the checkpoint at size " + lastSize + ", which verified)" : "")
              + " were rewritten, reordered or replaced in a way their stream chains do not show"), n);
    }
  }
}
