package dev.arbiter.ledger.checkpoint;

import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.HashValue;

/** Signs checkpoints with the ledger's private key. */
public final class CheckpointSigner {
  private final SigningKey ledgerKey;

  public CheckpointSigner(SigningKey ledgerKey) {
    if (ledgerKey == null) {
      throw new IllegalArgumentException("a ledger signing key is required");
    }
    if (ledgerKey.algorithm() != dev.arbiter.core.crypto.KeyAlgorithm.ED25519) {
      throw new IllegalArgumentException("a ledger's checkpoints are Ed25519 signatures; got a "
          + ledgerKey.algorithm() + " key");
    }
    this.ledgerKey = ledgerKey;
  }

  public Checkpoint sign(String ledgerId, long treeSize, HashValue root, String timestamp) {
    byte[] sig = ledgerKey.sign(Checkpoint.signingInput(ledgerId, treeSize, root, timestamp));
    return new Checkpoint(ledgerId, treeSize, root, timestamp, ledgerKey.keyId(), sig);
  }

  public SigningKey key() {
    return ledgerKey;
  }
}
