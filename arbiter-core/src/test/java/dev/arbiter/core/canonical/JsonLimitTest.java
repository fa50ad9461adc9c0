package dev.arbiter.core.canonical;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import org.junit.jupiter.api.Test;

class JsonLimitTest {
  @Test
  void of_whenALimitItDoesNotName_keepsJacksonsWordsWithoutTheMethodName() {
    JsonLimit.Breach b = JsonLimit.of(new StreamConstraintsException(
        "Token count (5) exceeds the maximum allowed (4, from `StreamReadConstraints.getMaxTokenCount()`)"));

    assertThat(b).isEqualTo(new JsonLimit.Breach(JsonLimit.OTHER,
        "Token count (5) exceeds the maximum allowed (4)", "JSON within the parser's limits"));
    assertThat(b.limit().code()).isEqualTo("too_large");
  }

  @Test
  void of_whenTheCountsCannotBeRead_keepsTheLimitAndJacksonsWords() {
    assertThat(JsonLimit.of(new StreamConstraintsException("Name length exceeds the maximum allowed")))
        .isEqualTo(new JsonLimit.Breach(JsonLimit.NAME, "Name length exceeds the maximum allowed",
            "fewer characters in a field name"));
  }
}
