package dev.arbiter.core.canonical;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StrictJsonTest {

  private static JsonInputException rejected(String json) {
    try {
      StrictJson.parse(json.getBytes(UTF_8));
    } catch (JsonInputException e) {
      return e;
    }
    throw new AssertionError("accepted: " + json);
  }

  @Test
  void parse_duplicateKey_isRejectedWithLocationAndPath() {
    JsonInputException e = rejected("{\"a\":1,\n \"b\":{\"c\":1,\"c\":2}}");
    assertThat(e.getMessage()).contains("Duplicate field 'c'").contains("line 2");
    assertThat(e.line()).isEqualTo(2);
    assertThat(e.column()).isPositive();
    assertThat(e.path()).isEqualTo("$.b.c");
  }

  @Test
  void parse_duplicateTopLevelKey_isRejected() {
    assertThat(rejected("{\"a\":1,\"a\":1}").getMessage()).contains("Duplicate");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"a\":1} {\"b\":2}",
        "{\"a\":1} x",
        "[1,2]]",
        "{\"a\":1 // comment\n}",
        "/* c */ 1",
        "# c\n1",
        "[NaN]",
        "[Infinity]",
        "[-Infinity]",
        "{'a':1}",
        "{a:1}",
        "[01]",
        "[1,]",
        "{\"a\":1,}",
        "\"tab\there\"",
        "",
        "   ",
        "[1",
        "\"\\x\"",
      })
  void parse_nonStrictJson_isRejected(String json) {
    JsonInputException e = rejected(json);
    assertThat(e).isInstanceOf(CanonicalJsonException.class);
    assertThat(e.getMessage()).startsWith("invalid JSON at line ");
  }

  @Test
  void parse_invalidUtf8_isRejected() {
    byte[] bad = {'"', (byte) 0xC3, (byte) 0x28, '"'};
    assertThatThrownBy(() -> StrictJson.parse(bad)).isInstanceOf(JsonInputException.class);
    byte[] utf16 = "{\"a\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_16LE);
    assertThatThrownBy(() -> StrictJson.parse(utf16)).hasMessageContaining("not UTF-8");
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '1'};
    assertThatThrownBy(() -> StrictJson.parse(bom)).hasMessageContaining("byte order mark");
  }

  @Test
  void parse_strictJson_isAccepted() {
    JsonNode node = StrictJson.parse("{\"a\":[1,2.5,\"x\",true,null,{}],\"b\":-0}\n".getBytes(UTF_8));
    assertThat(node.get("a").size()).isEqualTo(6);
    assertThat(StrictJson.parse("42".getBytes(UTF_8)).intValue()).isEqualTo(42);
  }

  @Test
  void mapper_isStrictForDataBinding() {
    assertThatThrownBy(() -> StrictJson.mapper().readTree("{\"a\":1,\"a\":2}"))
        .hasMessageContaining("Duplicate");
    assertThatThrownBy(() -> StrictJson.mapper().readValue("{} {}", java.util.Map.class))
        .hasMessageContaining("Trailing token");
  }

  @Test
  void parse_isNotWeakenedByReconfiguringTheSharedMapper() {
    com.fasterxml.jackson.databind.ObjectMapper lax = StrictJson.mapper().copy();
    lax.disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    assertThatThrownBy(() -> StrictJson.parse("{\"a\":1,\"a\":2}".getBytes(UTF_8))).isInstanceOf(JsonInputException.class);
  }
}
