package dev.arbiter.ledger.event;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The hand-written validators accept exactly what the documented patterns accept. */
class EventDraftProperties {

  @Provide
  Arbitrary<String> ids() {
    return Arbitraries.strings().withChars("abzAZ09_.:-/ é\"").ofMinLength(0).ofMaxLength(130);
  }

  @Provide
  Arbitrary<String> types() {
    return Arbitraries.strings().withChars("az09_.A-").ofMinLength(0).ofMaxLength(20);
  }

  @Property(tries = 2000)
  void streamIdValidation_matchesThePattern(@ForAll("ids") String id) {
    assertThat(accepts(id, "decision.created")).isEqualTo(EventDraft.STREAM_ID.matcher(id).matches());
  }

  @Property(tries = 2000)
  void eventTypeValidation_matchesThePattern(@ForAll("types") String type) {
    assertThat(accepts("dec_1", type)).isEqualTo(EventDraft.EVENT_TYPE.matcher(type).matches());
  }

  private static boolean accepts(String stream, String type) {
    try {
      new EventDraft(stream, type, null, new Actor("a", "r"), null);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
