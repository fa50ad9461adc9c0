package dev.arbiter.ledger.merkle;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * RFC 9162 (Certificate Transparency v2, §2.1.1) Merkle tree hashing with SHA-256.
 *
 * <p>Exact layout, domain-separated by a one-byte prefix so that a leaf can never be confused with
 * an interior node:
 *
 * <pre>
 *   empty tree : MTH({})        = SHA-256("")
 *   leaf       : MTH({d})       = SHA-256(0x00 ‖ d)
 *   node       : MTH(D[n])      = SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n]))
 *                where k is the largest power of two strictly smaller than n
 * </pre>
 *
 * <p>Thread-safe: each thread uses its own {@link MessageDigest}. Every call returns a fresh
 * 32-byte array the caller owns. {@link #hashChildren} does not check that its inputs are 32 bytes
 * (it is on the hot path); verifiers check lengths of untrusted input before they hash.
 */
public final class Rfc9162 {

  /** Length in bytes of every hash produced here (SHA-256). */
  public static final int HASH_SIZE = 32;

  static final byte LEAF_PREFIX = 0x00;
  static final byte NODE_PREFIX = 0x01;

  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(Rfc9162::newSha256);

  private static final byte[] EMPTY_ROOT = newSha256().digest();

  private Rfc9162() {}

  /** {@code SHA-256(0x00 ‖ data)}: the hash of one leaf whose entry bytes are {@code data}. */
  public static byte[] hashLeaf(byte[] data) {
    Objects.requireNonNull(data, "data");
    MessageDigest md = SHA256.get();
    md.update(LEAF_PREFIX);
    md.update(data);
    return md.digest();
  }

  /** {@link #hashLeaf(byte[])} with the caller's own SHA-256 instance, into {@code out} (32 bytes; may alias {@code data}). */
  public static void hashLeaf(MessageDigest sha256, byte[] data, byte[] out) {
    sha256.update(LEAF_PREFIX);
    sha256.update(data);
    try {
      sha256.digest(out, 0, HASH_SIZE);
    } catch (java.security.DigestException e) {
      throw new IllegalArgumentException("the output must hold 32 bytes", e);
    }
  }

  /** {@code SHA-256(0x01 ‖ left ‖ right)}: the hash of an interior node from its children. */
  public static byte[] hashChildren(byte[] left, byte[] right) {
    MessageDigest md = SHA256.get();
    md.update(NODE_PREFIX);
    md.update(left);
    md.update(right);
    return md.digest();
  }

  /**
   * {@link #hashChildren(byte[], byte[])} of two children stored side by side in {@code pair} (left at
   * {@code offset}, right right after it), into {@code out[outOffset..outOffset+32)}.
   */
  public static void hashChildren(byte[] pair, int offset, byte[] out, int outOffset) {
    MessageDigest md = SHA256.get();
    md.update(NODE_PREFIX);
    md.update(pair, offset, 2 * HASH_SIZE);
    try {
      md.digest(out, outOffset, HASH_SIZE);
    } catch (java.security.DigestException e) {
      throw new IllegalArgumentException("the output must hold 32 bytes at " + outOffset, e);
    }
  }

  /** {@code SHA-256("")}: the root of the tree of size 0 (a fresh copy). */
  public static byte[] emptyRoot() {
    return EMPTY_ROOT.clone();
  }

  /** A new, unshared SHA-256 instance, for single-threaded owners that hash into their own buffers. */
  public static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must provide SHA-256", e);
    }
  }
}
