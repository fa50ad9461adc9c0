package dev.arbiter.ledger.receipt;

import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.checkpoint.CheckpointVerificationException;
import dev.arbiter.ledger.checkpoint.CheckpointVerifier;
import dev.arbiter.ledger.merkle.ProofVerificationException;
import dev.arbiter.ledger.merkle.ProofVerifier;
import dev.arbiter.ledger.merkle.Rfc9162;
import java.util.List;

/**
 * Offline receipt verification with the pinned ledger public key only: the checkpoint's signature,
 * then the inclusion of {@code leaf = RFC9162-leaf(entry_hash)} at {@code leaf_index} under the
 * checkpoint's root.
 *
 * <p>The caller must still check that the entry hash is the one it expects (for example, recompute
 * it from the event it holds) and, if it cares about recency, the checkpoint's timestamp and size.
 */
public final class ReceiptVerifier {
  /**
   * Checks a checkpoint's signature with a pinned ledger key: {@link CheckpointVerifier#verify}, or a
   * wrapper that remembers checkpoints it already verified (the gateway's).
   */
  @FunctionalInterface
  public interface CheckpointCheck {
    void verify(dev.arbiter.ledger.checkpoint.Checkpoint untrusted) throws CheckpointVerificationException;
  }

  private final CheckpointCheck checkpoints;

  public ReceiptVerifier(VerifyingKey trustedLedgerKey) {
    this(new CheckpointVerifier(trustedLedgerKey)::verify);
  }

  /** Verifies checkpoints with {@code checkpoints}, which must pin the ledger key. */
  public ReceiptVerifier(CheckpointCheck checkpoints) {
    this.checkpoints = java.util.Objects.requireNonNull(checkpoints, "checkpoints");
  }

  public void verify(Receipt untrusted) throws ReceiptVerificationException {
    if (untrusted.leafIndex() >= untrusted.checkpoint().treeSize()) {
      throw new ReceiptVerificationException(
          "receipt leaf_index " + untrusted.leafIndex() + " is not inside its checkpoint's tree of size "
              + untrusted.checkpoint().treeSize());
    }
    try {
      checkpoints.verify(untrusted.checkpoint());
    } catch (CheckpointVerificationException e) {
      throw new ReceiptVerificationException("receipt checkpoint: " + e.getMessage());
    }
    List<byte[]> proof = untrusted.inclusionProof().stream().map(HashValue::bytes).toList();
    try {
      ProofVerifier.verifyInclusion(
          Rfc9162.hashLeaf(untrusted.entryHash().bytes()),
          untrusted.leafIndex(),
          untrusted.checkpoint().treeSize(),
          proof,
          untrusted.checkpoint().rootHash().bytes());
    } catch (ProofVerificationException e) {
      throw new ReceiptVerificationException(
          "receipt for leaf " + untrusted.leafIndex() + ": inclusion proof does not verify: " + e.getMessage());
    }
  }

  /**
   * Verifies the receipt and that it is for {@code expectedEntryHash} in the ledger {@code
   * trustedLedgerId} (a receipt from another ledger signed by the same key is refused).
   */
  public void verify(Receipt untrusted, HashValue expectedEntryHash, String trustedLedgerId) throws ReceiptVerificationException {
    if (!untrusted.checkpoint().ledgerId().equals(trustedLedgerId)) {
      throw new ReceiptVerificationException(
          "receipt is from ledger " + untrusted.checkpoint().ledgerId() + ", expected " + trustedLedgerId);
    }
    verify(untrusted, expectedEntryHash);
  }

  /**
   * The strongest check: the receipt is for exactly this event. Recomputes the entry hash from the
   * receipt's previous hash and {@code canonicalEnvelope} (the bytes the caller holds), requires the
   * envelope to sit at the receipt's leaf index, pins the ledger id, then verifies signature and
   * inclusion. The caller must still judge freshness (checkpoint size and time).
   */
  public void verifyEvent(Receipt untrusted, byte[] canonicalEnvelope, String trustedLedgerId) throws ReceiptVerificationException {
    if (untrusted.prevEntryHash() == null) {
      throw new ReceiptVerificationException("receipt has no prev_entry_hash: it cannot be bound to an envelope");
    }
    dev.arbiter.ledger.event.EnvelopeHeader header;
    try {
      header = dev.arbiter.ledger.event.EnvelopeHeader.read(canonicalEnvelope);
    } catch (IllegalArgumentException e) {
      throw new ReceiptVerificationException("envelope: " + e.getMessage());
    }
    if (header.leafIndex() != untrusted.leafIndex()) {
      throw new ReceiptVerificationException("envelope is for leaf " + header.leafIndex() + ", the receipt for leaf "
          + untrusted.leafIndex());
    }
    HashValue computed = HashValue.of(dev.arbiter.ledger.EntryHash.compute(untrusted.prevEntryHash().bytes(), canonicalEnvelope));
    verify(untrusted, computed, trustedLedgerId);
  }

  /** Verifies the receipt and that it is for {@code expectedEntryHash}. */
  public void verify(Receipt untrusted, HashValue expectedEntryHash) throws ReceiptVerificationException {
    if (!untrusted.entryHash().equals(expectedEntryHash)) {
      throw new ReceiptVerificationException(
          "receipt is for entry hash " + untrusted.entryHash().hex() + ", expected " + expectedEntryHash.hex());
    }
    verify(untrusted);
  }
}
