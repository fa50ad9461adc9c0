package dev.arbiter.gateway.verify;

import dev.arbiter.core.crypto.Sha256;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.checkpoint.CheckpointVerificationException;
import dev.arbiter.ledger.checkpoint.CheckpointVerifier;
import dev.arbiter.ledger.receipt.ReceiptVerifier;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Checkpoint signature checks with a memory: many grants carry receipts under the same checkpoint
 * (the ledger signs one per batch), so its Ed25519 signature is verified once and later receipts
 * under the same checkpoint skip that step. The inclusion proof of each receipt is still checked by
 * the {@link ReceiptVerifier} that uses this.
 *
 * <p>Key: SHA-256 over the checkpoint's canonical signing input ({@link Checkpoint#signingInput()}:
 * context, ledger id, tree size, root, timestamp), its claimed key id and its signature bytes, each
 * length-prefixed. Any change to any of these (a forged signature over a known checkpoint, another
 * root under a known signature) is another key and is verified in full. Only checkpoints that
 * verified are remembered; the pinned key never changes for one instance. Bounded: at most {@code
 * maxEntries}, arbitrary eviction when full (eviction only costs one re-verification).
 *
 * <p>Thread-safe.
 */
final class VerifiedCheckpoints implements ReceiptVerifier.CheckpointCheck {
  static final int DEFAULT_MAX_ENTRIES = 4_096;

  private final CheckpointVerifier verifier;
  private final int maxEntries;
  private final ConcurrentHashMap<ByteBuffer, Boolean> verified = new ConcurrentHashMap<>();
  private final AtomicLong signatureChecks = new AtomicLong();

  VerifiedCheckpoints(CheckpointVerifier verifier, int maxEntries) {
    this.verifier = Objects.requireNonNull(verifier, "verifier");
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be at least 1, got " + maxEntries);
    }
    this.maxEntries = maxEntries;
  }

  @Override
  public void verify(Checkpoint untrusted) throws CheckpointVerificationException {
    ByteBuffer key = keyOf(untrusted);
    if (verified.containsKey(key)) {
      return;
    }
    signatureChecks.incrementAndGet();
    verifier.verify(untrusted);
    if (verified.size() >= maxEntries) {
      Iterator<ByteBuffer> it = verified.keySet().iterator();
      int drop = Math.max(1, maxEntries / 16);
      while (drop-- > 0 && it.hasNext()) {
        it.next();
        it.remove();
      }
    }
    verified.put(key, Boolean.TRUE);
  }

  static ByteBuffer keyOf(Checkpoint c) {
    byte[] input = c.signingInput();
    byte[] keyId = c.keyId().value().getBytes(StandardCharsets.UTF_8);
    byte[] signature = c.signature();
    ByteBuffer all = ByteBuffer.allocate(12 + input.length + keyId.length + signature.length);
    all.putInt(input.length).put(input).putInt(keyId.length).put(keyId).putInt(signature.length).put(signature);
    return ByteBuffer.wrap(Sha256.digest(all.array()));
  }

  /** Signatures actually verified so far (tests, diagnostics). */
  long signatureChecks() {
    return signatureChecks.get();
  }

  int size() {
    return verified.size();
  }
}
