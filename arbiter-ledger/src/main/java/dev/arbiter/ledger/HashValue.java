package dev.arbiter.ledger;

import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * An immutable 32-byte SHA-256 value (entry hash, Merkle node, root). Equality is constant-time.
 * JSON and CLI output show it as lowercase hex.
 */
public final class HashValue {
  public static final int SIZE = 32;
  private static final HexFormat HEX = HexFormat.of();

  private final byte[] bytes;

  private HashValue(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Copies {@code bytes}, which must be exactly 32 bytes. */
  public static HashValue of(byte[] bytes) {
    if (bytes == null || bytes.length != SIZE) {
      throw new IllegalArgumentException(
          "a hash is " + SIZE + " bytes, got " + (bytes == null ? "none" : bytes.length));
    }
    return new HashValue(bytes.clone());
  }

  /** Parses 64 lowercase or uppercase hex characters. */
  public static HashValue fromHex(String hex) {
    if (hex == null || hex.length() != SIZE * 2) {
      throw new IllegalArgumentException("a hash is " + SIZE * 2 + " hex characters, got `" + hex + "`");
    }
    try {
      return new HashValue(HEX.parseHex(hex));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a hex hash: `" + hex + "`");
    }
  }

  /** A copy of the 32 bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  public String hex() {
    return HEX.formatHex(bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HashValue h && MessageDigest.isEqual(bytes, h.bytes);
  }

  /** Whether this hash equals the raw {@code other} bytes, in constant time. */
  public boolean matches(byte[] other) {
    return MessageDigest.isEqual(bytes, other);
  }

  @Override
  public int hashCode() {
    return (bytes[0] & 0xff) << 24 | (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8 | (bytes[3] & 0xff);
  }

  @Override
  public String toString() {
    return hex();
  }
}
