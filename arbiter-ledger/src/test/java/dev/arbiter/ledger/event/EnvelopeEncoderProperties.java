package dev.arbiter.ledger.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.CanonicalJson;
import net.jqwik.api.Assume;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;

/** The hand-assembled envelope bytes must be exactly RFC 8785 of the envelope's JSON form. */
class EnvelopeEncoderProperties {

  @Property(tries = 300)
  void encode_equalsCanonicalJsonOfTheEnvelope(
      @ForAll @StringLength(min = 1, max = 40) String actorId,
      @ForAll @StringLength(max = 60) String text,
      @ForAll long number,
      @ForAll boolean withPolicy,
      @ForAll @LongRange(min = 0, max = 1L << 40) long leaf,
      @ForAll @LongRange(min = 0, max = 1L << 30) long seq) {
    Assume.that(isWellFormed(text) && isWellFormed(actorId));
    ObjectNode payload = JsonNodeFactory.instance.objectNode();
    payload.put("zeta", text);
    payload.put("alpha", number % (1L << 50));
    payload.putObject("nested").put("décision_id", text).putArray("xs").add(1.5).add(text);
    EventDraft d = new EventDraft("dec_01JDX" + (seq % 97), "approval.added", withPolicy ? "sha256:" + text : null,
        new Actor("a" + actorId, "approver"), payload);
    byte[] fast = EnvelopeEncoder.encode(d, "evt_01JDXAAAAAAAAAAAAAAAAAAAAA", leaf, seq, "2026-11-25T17:22:46.123456Z");
    EventEnvelope env = EnvelopeEncoder.envelope(d, "evt_01JDXAAAAAAAAAAAAAAAAAAAAA", leaf, seq, "2026-11-25T17:22:46.123456Z");
    assertThat(fast).isEqualTo(CanonicalJson.encode(env.toJson()));
    assertThat(fast).isEqualTo(env.canonicalBytes());
    EnvelopeHeader h = EnvelopeHeader.read(fast);
    assertThat(h).isEqualTo(new EnvelopeHeader(leaf, d.streamId(), seq, "approval.added"));
  }

  @Example
  void encode_writesEveryDigitCountOfLeafAndSeq_likeTheCanonicalForm() {
    EventDraft d = new EventDraft("dec_digits", "approval.added", null, new Actor("a", "approver"), null);
    long max = 1L << 53; // the canonical form's integer limit
    for (long v = 1; v <= max; v *= 10) {
      for (long n : new long[] {v - 1, v, Math.min(10 * v - 1, max), max}) {
        byte[] fast = EnvelopeEncoder.encode(d, "evt_01JDXAAAAAAAAAAAAAAAAAAAAA", n, n, "2026-11-25T17:22:46.123456Z");
        EventEnvelope env = EnvelopeEncoder.envelope(d, "evt_01JDXAAAAAAAAAAAAAAAAAAAAA", n, n, "2026-11-25T17:22:46.123456Z");
        assertThat(fast).as("%d", n).isEqualTo(CanonicalJson.encode(env.toJson()));
      }
    }
  }

  @Example
  void encode_refusesAnEventIdOrTimeThatNeedsEscaping() {
    EventDraft d = new EventDraft("dec_x", "approval.added", null, new Actor("a", "approver"), null);
    assertThatThrownBy(() -> EnvelopeEncoder.encode(d, "evt_\"x", 0, 0, "2026-11-25T17:22:46Z"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("event_id");
    assertThatThrownBy(() -> EnvelopeEncoder.encode(d, "evt_x", 0, 0, "2026-11-25T17:22:46Z\n"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at");
  }

  private static boolean isWellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }
}
