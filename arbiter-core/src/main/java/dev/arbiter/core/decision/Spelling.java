package dev.arbiter.core.decision;

import java.text.Normalizer;

/**
 * What a policy can compare and a person can read: the characters that render as nothing or alter
 * what is around them, shared by the checks on target ids and on approval rationales. A black-box
 * run got {@code "billing\u200b"} past a rule about {@code billing}; a review then found the
 * invisible characters that are letters, marks or symbols to Unicode (the Hangul fillers, the
 * combining grapheme joiner, variation selectors, the blank Braille pattern) passing the first check.
 */
public final class Spelling {
  private Spelling() {}

  /**
   * Unicode's Default_Ignorable_Code_Point ranges (DerivedCoreProperties), which a renderer shows as
   * nothing, and U+2800 (blank Braille), which is not in them but renders blank all the same.
   */
  private static final int[][] IGNORABLE = {
    {0x00AD, 0x00AD}, {0x034F, 0x034F}, {0x061C, 0x061C}, {0x115F, 0x1160}, {0x17B4, 0x17B5},
    {0x180B, 0x180F}, {0x200B, 0x200F}, {0x202A, 0x202E}, {0x2060, 0x206F}, {0x2800, 0x2800},
    {0x3164, 0x3164}, {0xFE00, 0xFE0F}, {0xFEFF, 0xFEFF}, {0xFFA0, 0xFFA0}, {0xFFF0, 0xFFF8},
    {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF},
  };

  /**
   * Whether {@code cp} shows as nothing or changes what is around it: control, format, separator
   * (every space but U+0020), unassigned, private-use and surrogate code points, and the default
   * ignorables.
   */
  public static boolean invisible(int cp) {
    int type = Character.getType(cp);
    if (type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR || type == Character.UNASSIGNED || type == Character.PRIVATE_USE
        || type == Character.SURROGATE || (type == Character.SPACE_SEPARATOR && cp != ' ')) {
      return true;
    }
    for (int[] range : IGNORABLE) {
      if (cp >= range[0] && cp <= range[1]) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether {@code id} is spelt one way only: in Unicode's compatibility-composed form (NFKC: {@code é}
   * is one code point, not {@code e} and a combining accent, and no fullwidth {@code ｂｉｌｌｉｎｇ}, which
   * a tool that normalises reads as {@code billing}), without invisible characters, and without
   * whitespace at either end. Look-alike letters of other scripts (a dotless {@code ı}) are ordinary
   * letters and pass: a policy that names systems says what it makes of non-ASCII ids (the example
   * bundle raises their risk).
   */
  public static boolean isPlainIdentifier(String id) {
    if (id.isEmpty()) {
      return true;
    }
    if (id.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
      return id.charAt(0) != ' ' && id.charAt(id.length() - 1) != ' '; // printable ASCII: NFKC and visible
    }
    return !Character.isWhitespace(id.codePointAt(0)) && !Character.isWhitespace(id.codePointBefore(id.length()))
        && id.codePoints().noneMatch(Spelling::invisible) && Normalizer.isNormalized(id, Normalizer.Form.NFKC);
  }

  /** Whether {@code text} says anything: at least one letter or digit that is not an invisible filler. */
  public static boolean saysSomething(String text) {
    return text.codePoints().anyMatch(cp -> Character.isLetterOrDigit(cp) && !invisible(cp));
  }

  /** {@code value} for an error message: quoted, with every invisible character, quote and backslash as \\uXXXX. */
  public static String shown(String value) {
    StringBuilder b = new StringBuilder("\"");
    value.codePoints().forEach(cp -> {
      if (invisible(cp) || cp == '"' || cp == '\\') {
        b.append(cp > 0xFFFF ? String.format(java.util.Locale.ROOT, "\\u{%x}", cp)
            : String.format(java.util.Locale.ROOT, "\\u%04x", cp));
      } else {
        b.appendCodePoint(cp);
      }
    });
    return b.append('"').toString();
  }
}
