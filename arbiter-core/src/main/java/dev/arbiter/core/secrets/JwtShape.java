package dev.arbiter.core.secrets;

/**
 * Whether a string contains a JWT: three base64url segments joined by dots, the first two starting
 * {@code eyJ} (a JSON object), at least eight characters after each {@code eyJ} and eight in the
 * third segment; the first {@code eyJ} at a word boundary. The same language as
 * {@code \beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}} with {@code find()}, but in
 * one pass: that regex is retried at every {@code eyJ} and scans the whole run each time, so 256 KiB
 * of {@code eyJ-} took two minutes.
 */
final class JwtShape {
  private JwtShape() {}

  static boolean foundIn(String s) {
    int n = s.length();
    int i = 0;
    while (i < n) {
      if (!segmentChar(s.charAt(i))) {
        i++;
        continue;
      }
      int start = i;
      while (i < n && (segmentChar(s.charAt(i)) || s.charAt(i) == '.')) {
        i++;
      }
      if (inRun(s, start, i)) {
        return true;
      }
    }
    return false;
  }

  /** Within one run of segment characters and dots, {@code [start, end)}. */
  private static boolean inRun(String s, int start, int end) {
    // For each segment: can a JWT start in it (a first segment), and could it be a second or third one?
    boolean prevFirst = false; // the previous segment can be a JWT's first segment
    boolean prevSecond = false; // the previous two segments can be a JWT's first and second
    int segStart = start;
    for (int k = start; k <= end; k++) {
      if (k < end && s.charAt(k) != '.') {
        continue;
      }
      int len = k - segStart;
      if (prevSecond && len >= 8) {
        return true;
      }
      boolean second = prevFirst && len >= 11 && s.startsWith("eyJ", segStart);
      prevSecond = second;
      prevFirst = canBeFirst(s, segStart, k);
      segStart = k + 1;
    }
    return false;
  }

  /** An {@code eyJ} at a word boundary with at least eight characters after it before the segment ends. */
  private static boolean canBeFirst(String s, int segStart, int segEnd) {
    for (int p = segStart; p + 11 <= segEnd; p++) { // within the segment only: the whole scan stays linear
      if (s.startsWith("eyJ", p) && (p == 0 || !wordChar(s.charAt(p - 1)))) {
        return true;
      }
    }
    return false;
  }

  private static boolean segmentChar(char c) {
    return wordChar(c) || c == '-';
  }

  private static boolean wordChar(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
  }
}
