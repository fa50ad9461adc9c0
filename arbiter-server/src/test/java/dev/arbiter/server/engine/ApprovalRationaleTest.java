package dev.arbiter.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Black-box run: a zero-width space passed "rationale required" on a critical decision. */
class ApprovalRationaleTest {
  @Test
  void onlyVisibleText_isARationale() {
    for (String none : new String[] {"", " ", "\t\n", "\u200b", "\u200b \u200b", "\u202e\u2066", "\u00a0", "\u2028", "\u0000"}) {
      assertThat(ApprovalSubmission.says(none)).as("%s", none.codePoints().boxed().toList()).isFalse();
    }
    for (String some : new String[] {"ok", "CHG-2291 reviewed", "+1", "\u2714", "\u00e9", "\u5ba1\u6279", "\u200bok"}) {
      assertThat(ApprovalSubmission.says(some)).as(some).isTrue();
    }
  }
}
