package dev.arbiter.server.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.core.id.Ulid;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link StreamSummaries} answers as a {@code HashMap<String, Byte>} would, for decision ids and any other id. */
class StreamSummariesTest {
  @Test
  void putAndGet_matchAHashMap_acrossGrowth_forDecisionIdsAndOddIds() {
    StreamSummaries table = new StreamSummaries();
    Map<String, Byte> reference = new HashMap<>();
    Random random = new Random(42);
    Ulid ulid = Ulid.create(java.time.Clock.systemUTC(), random);
    String[] ids = new String[20_000];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = switch (i % 50) {
        case 0 -> "dec_" + i;                                          // not a ULID
        case 1 -> "dec_" + ulid.next().toLowerCase(java.util.Locale.ROOT); // lower case: not as Ulid writes it
        case 2 -> "dec_8" + ulid.next().substring(1);                  // more than 128 bits
        default -> "dec_" + ulid.next();
      };
    }
    for (int round = 0; round < 3; round++) {
      for (String id : ids) {
        byte summary = (byte) random.nextInt(32);
        table.put(id, summary);
        reference.put(id, summary);
      }
    }
    for (String id : ids) {
      assertThat(table.get(id)).as(id).isEqualTo(reference.get(id));
    }
    assertThat(table.get("dec_" + ulid.next())).isNull();
    assertThat(table.get("sys:keys")).isNull();
    assertThat(table.size()).isEqualTo(reference.size());
  }

  @Test
  void idsThatDifferInOneDigit_areDifferentKeys() {
    StreamSummaries table = new StreamSummaries();
    String base = "dec_01M8CVMDFCZZDX86KDN9S8AP3F";
    table.put(base, (byte) 1);
    for (int i = 4; i < base.length(); i++) {
      char c = base.charAt(i) == '0' ? '1' : '0';
      String other = base.substring(0, i) + c + base.substring(i + 1);
      assertThat(table.get(other)).as(other).isNull();
      table.put(other, (byte) 2);
    }
    assertThat(table.get(base)).isEqualTo((byte) 1);
  }

  @Test
  void aValueWithTheHighBit_isRefused() {
    assertThatThrownBy(() -> new StreamSummaries().put("dec_01M8CVMDFCZZDX86KDN9S8AP3F", (byte) 0x80))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
