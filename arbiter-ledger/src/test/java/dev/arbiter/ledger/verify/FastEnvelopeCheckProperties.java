package dev.arbiter.ledger.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.ledger.event.Actor;
import dev.arbiter.ledger.event.EnvelopeEncoder;
import dev.arbiter.ledger.event.EventDraft;
import dev.arbiter.ledger.store.StoredEntry;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;

/** The JSON-free header check agrees with the envelope it is given, and with nothing else. */
class FastEnvelopeCheckProperties {

  @Property(tries = 500)
  void matches_exactlyTheColumnsTheEnvelopeCarries(
      @ForAll @AlphaChars @StringLength(min = 1, max = 30) String stream,
      @ForAll @LongRange(min = 0, max = 1L << 40) long leaf,
      @ForAll @LongRange(min = 0, max = 100_000) long seq,
      @ForAll @StringLength(max = 40) String payloadText) {
    ObjectNode payload = JsonNodeFactory.instance.objectNode();
    // A payload that mimics the header members must not confuse the check.
    payload.put("decision_id", "other").put("event_type", "x.y").put("text", payloadText.replace('\uD800', 'x'));
    EventDraft d;
    try {
      d = new EventDraft("dec_" + stream, "approval.added", null, new Actor("mallory,\"decision_id\":\"x", "approver"), payload);
    } catch (RuntimeException e) {
      return; // a payload string with a lone surrogate has no canonical form: not this property's concern
    }
    byte[] env = EnvelopeEncoder.encode(d, "evt_01JDXAAAAAAAAAAAAAAAAAAAAA", leaf, seq, "2026-11-25T17:22:46.123456Z");
    byte[] h = new byte[32];
    assertThat(FastEnvelopeCheck.matches(new StoredEntry(leaf, "dec_" + stream, seq, "approval.added", h, env), leaf)).isTrue();
    assertThat(FastEnvelopeCheck.matches(new StoredEntry(leaf, "dec_" + stream, seq, "approval.added", h, env), leaf + 1)).isFalse();
    assertThat(FastEnvelopeCheck.matches(new StoredEntry(leaf, "dec_" + stream + "x", seq, "approval.added", h, env), leaf)).isFalse();
    assertThat(FastEnvelopeCheck.matches(new StoredEntry(leaf, "other", seq, "approval.added", h, env), leaf)).isFalse();
    assertThat(FastEnvelopeCheck.matches(new StoredEntry(leaf, "dec_" + stream, seq + 1, "approval.added", h, env), leaf)).isFalse();
    assertThat(FastEnvelopeCheck.matches(new StoredEntry(leaf, "dec_" + stream, seq, "x.y", h, env), leaf)).isFalse();
    assertThat(FastEnvelopeCheck.matches(new StoredEntry(leaf, "dec_" + stream, seq * 10, "approval.added", h, env), leaf))
        .isEqualTo(seq == 0);
  }
}
