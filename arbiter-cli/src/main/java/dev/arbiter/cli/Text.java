package dev.arbiter.cli;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Strings that came from the engine, made safe to print: a malicious or broken engine must not be
 * able to rewrite what an approver sees on their terminal (ANSI escapes, carriage returns,
 * bidirectional overrides) before they confirm a signature.
 */
final class Text {
  private Text() {}

  /** Control, format (bidi) and line-breaking characters become {@code \\uXXXX}; at most 500 chars. */
  static String safe(String s) {
    return safe(s, 500);
  }

  /** As {@link #safe(String)}, with no length limit: for what an approver must see whole. */
  static String safeWhole(String s) {
    return safe(s, Integer.MAX_VALUE);
  }

  private static String safe(String s, int limit) {
    if (s == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(Math.min(s.length(), limit) + 20);
    s.codePoints().limit(limit).forEach(cp -> {
      int type = Character.getType(cp);
      if (Character.isISOControl(cp) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
          || type == Character.PARAGRAPH_SEPARATOR || type == Character.UNASSIGNED || type == Character.PRIVATE_USE
          || type == Character.SURROGATE) {
        out.append(String.format("\\u%04x", cp));
      } else {
        out.appendCodePoint(cp);
      }
    });
    if (s.codePointCount(0, s.length()) > limit) {
      out.append('…');
    }
    return out.toString();
  }

  /** The safe text of {@code node.field} (numbers and booleans as written), or "" when absent or null. */
  static String field(JsonNode node, String field) {
    JsonNode v = node == null ? null : node.get(field);
    if (v == null || v.isNull() || v.isContainerNode()) {
      return "";
    }
    return safe(v.asText());
  }

  /** The safe text at a path of fields, or {@code fallback} when absent. */
  static String at(JsonNode node, String fallback, String... path) {
    JsonNode v = node;
    for (String p : path) {
      v = v == null ? null : v.get(p);
    }
    if (v == null || v.isNull() || v.isContainerNode()) {
      return fallback;
    }
    return safe(v.asText());
  }
}
