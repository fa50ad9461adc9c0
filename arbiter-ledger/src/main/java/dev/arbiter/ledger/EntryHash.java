package dev.arbiter.ledger;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The per-stream hash chain: {@code entry_hash = SHA-256(prev_entry_hash ‖ canonical(envelope))},
 * where {@code prev_entry_hash} is the entry hash of the previous event in the same stream, or 32
 * zero bytes for a stream's first event. The global Merkle log's leaf data is the 32-byte entry hash.
 */
public final class EntryHash {
  private static final byte[] GENESIS = new byte[HashValue.SIZE];
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("SHA-256 is required by every JDK", e);
            }
          });

  private EntryHash() {}

  /** 32 zero bytes: the previous hash of a stream's first event. */
  public static byte[] genesis() {
    return GENESIS.clone();
  }

  public static byte[] compute(byte[] prevEntryHash, byte[] canonicalEnvelope) {
    if (prevEntryHash.length != HashValue.SIZE) {
      throw new IllegalArgumentException("previous entry hash must be 32 bytes");
    }
    MessageDigest md = SHA256.get();
    md.update(prevEntryHash);
    md.update(canonicalEnvelope);
    return md.digest();
  }

  /**
   * {@link #compute} with the caller's own SHA-256 instance, into {@code out} (32 bytes): for a
   * single thread that hashes millions of entries (a verifier) without a thread-local lookup or an
   * allocation per entry.
   */
  public static void compute(MessageDigest sha256, byte[] prevEntryHash, byte[] canonicalEnvelope, byte[] out) {
    if (prevEntryHash.length != HashValue.SIZE) {
      throw new IllegalArgumentException("previous entry hash must be 32 bytes");
    }
    sha256.update(prevEntryHash);
    sha256.update(canonicalEnvelope);
    try {
      sha256.digest(out, 0, HashValue.SIZE);
    } catch (java.security.DigestException e) {
      throw new IllegalArgumentException("the output must hold 32 bytes", e);
    }
  }
}
