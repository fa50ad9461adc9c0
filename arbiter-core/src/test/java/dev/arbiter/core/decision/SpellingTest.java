package dev.arbiter.core.decision;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SpellingTest {
  /** Each renders as nothing (or as a blank), in every Unicode category it comes in. */
  private static final int[] INVISIBLE = {
    0x0000, 0x001B, 0x007F, 0x0085, 0x00A0, 0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x180B, 0x180E,
    0x200B, 0x200D, 0x200E, 0x202E, 0x2028, 0x2029, 0x2060, 0x2066, 0x2800, 0x3000, 0x3164, 0xFE00, 0xFE0F,
    0xFEFF, 0xFFA0, 0xE000, 0xD800, 0x1D173, 0xE0001, 0xE0100,
  };

  @Test
  void invisible_coversControlFormatSeparatorsAndTheDefaultIgnorables() {
    for (int cp : INVISIBLE) {
      assertThat(Spelling.invisible(cp)).as("U+%04X", cp).isTrue();
    }
    for (int cp : new int[] {' ', 'a', 'Z', '0', '-', '#', 0x00E9, 0x5BA1, 0x0416, 0x2714, 0x1F600}) {
      assertThat(Spelling.invisible(cp)).as("U+%04X", cp).isFalse();
    }
  }

  @Test
  void aPlainIdentifier_isComposed_withNothingInvisible_andNoSurroundingWhitespace() {
    for (String ok : new String[] {"", "billing", "Billing", "acct_8812", "#releases", "My Service", "caf\u00e9", "\u5ba1\u6279"}) {
      assertThat(Spelling.isPlainIdentifier(ok)).as(ok).isTrue();
    }
    for (int cp : INVISIBLE) {
      String id = "billing" + new String(Character.toChars(cp));
      assertThat(Spelling.isPlainIdentifier(id)).as("billing + U+%04X", cp).isFalse();
    }
    for (String bad : new String[] {" billing", "billing ", "\tbilling", "cafe\u0301", "\uff42\uff49\uff4c\uff4c\uff49\uff4e\uff47",
        "\ufb01le", "x\u00b2"}) {
      assertThat(Spelling.isPlainIdentifier(bad)).as(bad).isFalse();
    }
  }

  /** Black-box run and review: a zero-width space, then a Hangul filler, passed "rationale required". */
  @Test
  void aRationale_mustHoldALetterOrDigitThatShows() {
    for (String none : new String[] {"", " ", "\t\n", "\u200b", "\u200b \u200b", "\u202e\u2066", "\u00a0", "\u3164",
        "\u115f\u1160", "\uffa0", "\u2800", "\u034f", "\ufe0f", "..."}) {
      assertThat(Spelling.saysSomething(none)).as("%s", none.codePoints().boxed().toList()).isFalse();
    }
    for (String some : new String[] {"ok", "CHG-2291 reviewed", "+1", "\u00e9", "\u5ba1\u6279", "\u200bok"}) {
      assertThat(Spelling.saysSomething(some)).as(some).isTrue();
    }
  }

  @Test
  void shown_escapesWhatCannotBeSeen() {
    assertThat(Spelling.shown("bil\u200bling\"")).isEqualTo("\"bil\\u200bling\\u0022\"");
    assertThat(Spelling.shown("x\udb40\udc01")).isEqualTo("\"x\\u{e0001}\"");
  }
}
