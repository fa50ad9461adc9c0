package dev.arbiter.core.policy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Canonical encoding and content address of a {@link BundleSource}. */
final class BundleCanonicalForm {
  private BundleCanonicalForm() {}

  static ObjectNode tree(BundleSource source) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    ObjectNode files = root.putObject("files");
    source.files().forEach(files::put);
    root.put("format", BundleSource.FORMAT);
    return root;
  }

  /**
   * RFC 8785 for this shape (an object of string members, nested once): members sorted by UTF-16
   * code units, strings escaped as ECMAScript's JSON.stringify does.
   */
  static byte[] encode(BundleSource source) {
    StringBuilder sb = new StringBuilder("{\"files\":{");
    boolean first = true;
    for (var e : new java.util.TreeMap<>(source.files()).entrySet()) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      string(sb, e.getKey());
      sb.append(':');
      string(sb, e.getValue());
    }
    sb.append("},\"format\":");
    string(sb, BundleSource.FORMAT);
    sb.append('}');
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  static String hash(byte[] canonical) {
    try {
      return "sha256:"
          + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the JDK", e);
    }
  }
}
