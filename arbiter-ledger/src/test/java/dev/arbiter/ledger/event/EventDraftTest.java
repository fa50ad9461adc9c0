package dev.arbiter.ledger.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class EventDraftTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Actor ENGINE = new Actor("arbiter", "engine");

  private static ObjectNode payload() throws Exception {
    return (ObjectNode) JSON.readTree("{\"b\":[1,2.5,\"x\"],\"a\":{\"n\":null}}");
  }

  @Test
  void theCopyingConstructor_isNotChangedByLaterEditsOfTheCallersTree() throws Exception {
    ObjectNode p = payload();
    EventDraft d = new EventDraft("dec_1", "risk.scored", null, ENGINE, p);
    p.put("c", "added later");
    ((ObjectNode) p.get("a")).put("n", 7);
    assertThat(d.payload()).isEqualTo(payload());
    assertThat(d.canonicalPayload()).isEqualTo("{\"a\":{\"n\":null},\"b\":[1,2.5,\"x\"]}".getBytes());
  }

  @Test
  void anOwningDraft_recordsExactlyWhatTheCopyingOneRecords() throws Exception {
    EventDraft copied = new EventDraft("dec_1", "risk.scored", "sha256:ab", ENGINE, payload());
    EventDraft owning = EventDraft.owning("dec_1", "risk.scored", "sha256:ab", ENGINE, payload());
    assertThat(owning).isEqualTo(copied);
    assertThat(owning.canonicalPayload()).isEqualTo(copied.canonicalPayload());
    assertThat(EnvelopeEncoder.encode(owning, "evt_1", 3, 0, EnvelopeEncoder.timestamp("2026-11-26T04:00:00.000000Z")))
        .isEqualTo(EnvelopeEncoder.encode(copied, "evt_1", 3, 0, EnvelopeEncoder.timestamp("2026-11-26T04:00:00.000000Z")));
  }

  @Test
  void anOwningDraft_stillHandsOutCopies_andValidatesLikeTheConstructor() throws Exception {
    EventDraft d = EventDraft.owning("dec_1", "risk.scored", null, ENGINE, payload());
    ((ObjectNode) d.payload()).put("c", "edited copy");
    assertThat(d.payload()).isEqualTo(payload());
    assertThatThrownBy(() -> EventDraft.owning("dec 1", "risk.scored", null, ENGINE, payload()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stream id");
    assertThatThrownBy(() -> EventDraft.owning("dec_1", "risk.scored", null, ENGINE, JSON.readTree("[1]")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("JSON object");
  }
}
