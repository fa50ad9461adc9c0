package dev.arbiter.core.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/** SHA-256 (the JDK's) with a per-thread {@link MessageDigest}, and lowercase hex helpers. */
public final class Sha256 {
  /** Digest length in bytes. */
  public static final int LENGTH = 32;

  private static final HexFormat HEX = HexFormat.of();
  private static final ThreadLocal<MessageDigest> DIGEST = ThreadLocal.withInitial(Sha256::newDigest);
  /** Cloned for virtual threads: each request runs on a new one, so a per-thread instance is never reused. */
  private static final MessageDigest PROTOTYPE = newDigest();

  private Sha256() {}

  public static byte[] digest(byte[] data) {
    Objects.requireNonNull(data, "data");
    return digester().digest(data); // digest() resets the instance
  }

  /** SHA-256 of the concatenation {@code a ‖ b}, without building it. */
  public static byte[] digest(byte[] a, byte[] b) {
    Objects.requireNonNull(a, "a");
    Objects.requireNonNull(b, "b");
    MessageDigest md = digester();
    md.update(a);
    md.update(b);
    return md.digest();
  }

  /** Lowercase hex. */
  public static String hex(byte[] bytes) {
    return HEX.formatHex(Objects.requireNonNull(bytes, "bytes"));
  }

  /**
   * Decodes hex (either case).
   *
   * @throws IllegalArgumentException on an odd length or a non-hex character
   */
  public static byte[] unhex(String hex) {
    Objects.requireNonNull(hex, "hex");
    if ((hex.length() & 1) != 0) {
      throw new IllegalArgumentException("hex string has odd length " + hex.length());
    }
    return HEX.parseHex(hex);
  }

  /** {@code "sha256:" + hex(digest)}; the digest must be 32 bytes. */
  public static String prefixed(byte[] digest) {
    Objects.requireNonNull(digest, "digest");
    if (digest.length != LENGTH) {
      throw new IllegalArgumentException("a SHA-256 digest is 32 bytes, got " + digest.length);
    }
    return "sha256:" + hex(digest);
  }

  /**
   * A reset digest for this thread: the platform thread's own, or a clone of the prototype on a
   * virtual thread (cheaper than a provider lookup, and it leaves no thread-local behind).
   */
  private static MessageDigest digester() {
    if (!Thread.currentThread().isVirtual()) {
      return DIGEST.get();
    }
    try {
      return (MessageDigest) PROTOTYPE.clone();
    } catch (CloneNotSupportedException e) {
      return newDigest();
    }
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
