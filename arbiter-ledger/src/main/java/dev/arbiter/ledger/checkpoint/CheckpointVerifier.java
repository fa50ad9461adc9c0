package dev.arbiter.ledger.checkpoint;

import dev.arbiter.core.crypto.SignatureVerificationException;
import dev.arbiter.core.crypto.VerifyingKey;

/**
 * Verifies a checkpoint's signature with a pinned ledger key. The checkpoint's own {@code key_id}
 * never selects the key; a mismatch is reported so the user knows which key the data claims.
 */
public final class CheckpointVerifier {
  private final VerifyingKey trustedLedgerKey;

  public CheckpointVerifier(VerifyingKey trustedLedgerKey) {
    if (trustedLedgerKey == null) {
      throw new IllegalArgumentException("a ledger public key is required");
    }
    this.trustedLedgerKey = trustedLedgerKey;
  }

  public VerifyingKey key() {
    return trustedLedgerKey;
  }

  /**
   * @throws CheckpointVerificationException when the checkpoint claims another key or its signature
   *     does not verify with the pinned key
   */
  public void verify(Checkpoint untrusted) throws CheckpointVerificationException {
    if (!trustedLedgerKey.keyId().equals(untrusted.keyId())) {
      throw new CheckpointVerificationException(
          "checkpoint at tree size " + untrusted.treeSize() + " claims key " + untrusted.keyId().value()
              + ", but the trusted ledger key is " + trustedLedgerKey.keyId().value());
    }
    try {
      trustedLedgerKey.verify(untrusted.signingInput(), untrusted.signature());
    } catch (SignatureVerificationException e) {
      throw new CheckpointVerificationException(
          "checkpoint at tree size " + untrusted.treeSize() + ": signature does not verify with ledger key "
              + trustedLedgerKey.keyId().value());
    }
  }
}
