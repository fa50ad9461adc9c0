package dev.arbiter.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.core.id.Ulid;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamEndsTest {
  private static final Ulid IDS = Ulid.system();

  private static String id() {
    return "dec_" + IDS.next();
  }

  @Test
  void anUnknownStream_hasNoEnd_andAKnownOneKeepsTheLatestLeaf() {
    StreamEnds ends = new StreamEnds(16);
    String a = id();
    assertThat(ends.end(a)).isEqualTo(-1);
    ends.record(a, 7);
    ends.record(a, 12);
    ends.record(a, 9); // an older state evicted later does not move the end back
    assertThat(ends.end(a)).isEqualTo(12);
    ends.record(a, 0);
    assertThat(ends.end(a)).isEqualTo(12);
  }

  @Test
  void leafZero_isAnEnd_andIdsThatAreNotDecisionUlids_areNotKept() {
    StreamEnds ends = new StreamEnds(16);
    String a = id();
    ends.record(a, 0);
    assertThat(ends.end(a)).isZero();
    ends.record("sys:keys", 5);
    ends.record("dec_not-a-ulid", 5);
    assertThat(ends.end("sys:keys")).isEqualTo(-1);
    assertThat(ends.end("dec_not-a-ulid")).isEqualTo(-1);
  }

  @Test
  void theLatestTwoGenerations_areKept_andOlderOnesForgotten() {
    int capacity = 1000;
    StreamEnds ends = new StreamEnds(capacity);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5 * capacity; i++) {
      String s = id();
      ids.add(s);
      ends.record(s, i);
    }
    // the latest `capacity` are always kept (the current generation may have just begun)
    for (int i = 4 * capacity; i < 5 * capacity; i++) {
      assertThat(ends.end(ids.get(i))).isEqualTo(i);
    }
    long kept = ids.stream().filter(s -> ends.end(s) >= 0).count();
    assertThat(kept).isBetween((long) capacity, 2L * capacity);
    assertThat(ends.end(ids.get(0))).as("the oldest are forgotten: memory is bounded").isEqualTo(-1);
  }

  @Test
  void aStreamRecordedAgain_survivesTheGenerationItWasFirstIn() {
    StreamEnds ends = new StreamEnds(16);
    String kept = id();
    ends.record(kept, 3);
    for (int i = 0; i < 100; i++) {
      ends.record(id(), 100 + i);
      if (i % 10 == 0) {
        ends.record(kept, 4); // seen again: carried into the current generation
      }
    }
    assertThat(ends.end(kept)).isEqualTo(4);
  }
}
