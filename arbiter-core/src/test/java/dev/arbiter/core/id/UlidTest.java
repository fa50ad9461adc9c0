package dev.arbiter.core.id;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UlidTest {

  @Test
  void next_encodesTimestampFirst_soIdsSortByCreationTime() {
    Random random = new Random(1);
    String earlier = Ulid.create(Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC), random).next();
    String later = Ulid.create(Clock.fixed(Instant.ofEpochMilli(1_700_000_000_001L), ZoneOffset.UTC), random).next();
    assertThat(earlier).hasSize(26).isLessThan(later);
    assertThat(Ulid.isValid(earlier)).isTrue();
  }

  @Test
  void next_knownTimestampPrefix() {
    // 1469918176385 ms is "01ARYZ6S41" in the ULID specification's example.
    String id = Ulid.create(Clock.fixed(Instant.ofEpochMilli(1469918176385L), ZoneOffset.UTC), new Random(7)).next();
    assertThat(id).startsWith("01ARYZ6S41");
  }

  @Test
  void next_isUniqueUnderTheSameMillisecond() {
    Ulid ulid = Ulid.create(Clock.fixed(Instant.ofEpochMilli(5), ZoneOffset.UTC), new Random(3));
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      assertThat(seen.add(ulid.next())).isTrue();
    }
  }

  @Test
  void isValid_rejectsWrongLengthAndAlphabet() {
    assertThat(Ulid.isValid("01ARYZ6S41TSV4RRFFQ69G5FA")).isFalse();
    assertThat(Ulid.isValid("01ARYZ6S41TSV4RRFFQ69G5FAVU")).isFalse();
    assertThat(Ulid.isValid("01ARYZ6S41TSV4RRFFQ69G5FAI")).isFalse();
    assertThat(Ulid.isValid("81ARYZ6S41TSV4RRFFQ69G5FAV")).isFalse();
    assertThat(Ulid.isValid("01ARYZ6S41TSV4RRFFQ69G5FAV")).isTrue();
  }
}
