package dev.arbiter.core.canonical;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CanonicalJsonTest {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private static String canon(String json) {
    return CanonicalJson.encodeToString(StrictJson.parse(json.getBytes(UTF_8)));
  }

  @Test
  void encode_rfc8785Section323Example_matchesRfcOutput() {
    String input =
        """
        {
          "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
          "literals": [null, true, false]
        }
        """;
    assertThat(canon(input))
        .isEqualTo(
            "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
                + "\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
  }

  @Test
  void encode_rfc8785SortingExample_ordersByUtf16CodeUnits() {
    String input =
        """
        {
          "\\u20ac": "Euro Sign",
          "\\r": "Carriage Return",
          "\\ufb33": "Hebrew Letter Dalet With Dagesh",
          "1": "One",
          "\\ud83d\\ude00": "Emoji: Grinning Face",
          "\\u0080": "Control",
          "\\u00f6": "Latin Small Letter O With Diaeresis"
        }
        """;
    assertThat(canon(input))
        .isEqualTo(
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\","
                + "\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\","
                + "\"😀\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}");
  }

  @Test
  void encode_surrogatePairSortsBeforeHighBmpCharacter_unlikeCodePointOrder() {
    // U+1F600 is encoded as D83D DE00, which sorts before U+FB33 by UTF-16 code units although its
    // code point is larger: the RFC mandates code units.
    ObjectNode node = F.objectNode();
    node.put("\ufb33", 1);
    node.put("😀", 2);
    assertThat(CanonicalJson.encodeToString(node)).isEqualTo("{\"😀\":2,\"\ufb33\":1}");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = ' ',
      value = {
        "333333333.33333329 333333333.3333333",
        "1E30 1e+30",
        "4.50 4.5",
        "2e-3 0.002",
        "0.000000000000000000000000001 1e-27",
        "-0 0",
        "-0.0 0",
        "1e21 1e+21",
        "1e20 100000000000000000000",
        "1e-6 0.000001",
        "1e-7 1e-7",
        "123456789012345680000 123456789012345680000",
        "0.1 0.1",
        "-1.5 -1.5",
        "100 100",
        "9007199254740992 9007199254740992",
        "-9007199254740992 -9007199254740992",
        "5e-324 5e-324",
        "4.9e-324 5e-324",
        "1.7976931348623157e308 1.7976931348623157e+308",
        "295147905179352825856 295147905179352830000",
        "1E400000000000000000000 x",
      })
  void encode_numbers_followEcmaScript(String input, String expected) {
    if (expected.equals("x")) {
      assertThatThrownBy(() -> canon(input)).isInstanceOf(CanonicalJsonException.class);
      return;
    }
    if (input.equals("295147905179352825856")) {
      // an integer literal beyond 2^53 whose digits change: refused, not rounded
      assertThatThrownBy(() -> canon(input))
          .isInstanceOf(CanonicalJsonException.class)
          .hasMessageContaining("295147905179352830000");
      return;
    }
    assertThat(canon(input)).isEqualTo(expected);
  }

  @Test
  void encode_rfc8785AppendixBAndNodeCorpus_matchEcmaScript() throws IOException {
    int checked = 0;
    try (InputStream in = getClass().getResourceAsStream("/canonical/es6-numbers.txt")) {
      for (String line : new String(in.readAllBytes(), UTF_8).split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] parts = line.split(" ");
        double d = Double.longBitsToDouble(Long.parseUnsignedLong(parts[0], 16));
        assertThat(CanonicalJson.encodeToString(F.numberNode(d))).as(parts[0]).isEqualTo(parts[1]);
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(3000);
  }

  @Test
  void encode_appendixB_table() {
    Map<String, String> table = new LinkedHashMap<>();
    table.put("0000000000000000", "0");
    table.put("8000000000000000", "0");
    table.put("0000000000000001", "5e-324");
    table.put("8000000000000001", "-5e-324");
    table.put("7fefffffffffffff", "1.7976931348623157e+308");
    table.put("ffefffffffffffff", "-1.7976931348623157e+308");
    table.put("4340000000000000", "9007199254740992");
    table.put("c340000000000000", "-9007199254740992");
    table.put("4430000000000000", "295147905179352830000");
    table.put("44b52d02c7e14af5", "9.999999999999997e+22");
    table.put("44b52d02c7e14af6", "1e+23");
    table.put("44b52d02c7e14af7", "1.0000000000000001e+23");
    table.put("444b1ae4d6e2ef4e", "999999999999999700000");
    table.put("444b1ae4d6e2ef4f", "999999999999999900000");
    table.put("444b1ae4d6e2ef50", "1e+21");
    table.put("3eb0c6f7a0b5ed8c", "9.999999999999997e-7");
    table.put("3eb0c6f7a0b5ed8d", "0.000001");
    table.put("41b3de4355555553", "333333333.3333332");
    table.put("41b3de4355555554", "333333333.33333325");
    table.put("41b3de4355555555", "333333333.3333333");
    table.put("41b3de4355555556", "333333333.3333334");
    table.put("41b3de4355555557", "333333333.33333343");
    table.put("becbf647612f3696", "-0.0000033333333333333333");
    table.put("43143ff3c1cb0959", "1424953923781206.2");
    table.forEach(
        (hex, expected) -> {
          double d = Double.longBitsToDouble(Long.parseUnsignedLong(hex, 16));
          assertThat(CanonicalJson.encodeToString(F.numberNode(d))).as(hex).isEqualTo(expected);
        });
  }

  @Test
  void encode_nonFiniteNumbers_areRefusedWithPath() {
    ObjectNode node = F.objectNode();
    node.putObject("payload").putArray("xs").add(1).add(Double.NaN);
    assertThatThrownBy(() -> CanonicalJson.encode(node))
        .isInstanceOf(CanonicalJsonException.class)
        .hasMessageContaining("$.payload.xs[1]")
        .hasMessageContaining("not finite")
        .extracting(e -> ((CanonicalJsonException) e).path())
        .isEqualTo("$.payload.xs[1]");
    assertThatThrownBy(() -> CanonicalJson.encode(F.numberNode(Double.POSITIVE_INFINITY)))
        .isInstanceOf(CanonicalJsonException.class);
    assertThatThrownBy(() -> CanonicalJson.encode(F.numberNode(Float.NEGATIVE_INFINITY)))
        .isInstanceOf(CanonicalJsonException.class);
    assertThatThrownBy(() -> CanonicalJson.encode(F.numberNode(new BigDecimal("1e400"))))
        .isInstanceOf(CanonicalJsonException.class)
        .hasMessageContaining("double range");
  }

  @Test
  void encode_integersBeyond2pow53_areRefusedUnlessExact() {
    long twoPow53 = 1L << 53;
    assertThat(CanonicalJson.encodeToString(F.numberNode(twoPow53))).isEqualTo("9007199254740992");
    assertThat(CanonicalJson.encodeToString(F.numberNode(-twoPow53))).isEqualTo("-9007199254740992");
    ObjectNode node = F.objectNode();
    node.put("id", twoPow53 + 1);
    assertThatThrownBy(() -> CanonicalJson.encode(node))
        .isInstanceOf(CanonicalJsonException.class)
        .hasMessageContaining("$.id")
        .hasMessageContaining("9007199254740993")
        .hasMessageContaining("string");
    assertThatThrownBy(() -> CanonicalJson.encode(F.numberNode(Long.MAX_VALUE))).isInstanceOf(CanonicalJsonException.class);
    assertThatThrownBy(() -> CanonicalJson.encode(F.numberNode(Long.MIN_VALUE))).isInstanceOf(CanonicalJsonException.class);
    assertThatThrownBy(() -> CanonicalJson.encode(F.numberNode(BigInteger.TEN.pow(400))))
        .isInstanceOf(CanonicalJsonException.class);
    // the integer literal JCS itself writes for 1e20 is accepted, so canonical output is a fixed point
    assertThat(canon("100000000000000000000")).isEqualTo("100000000000000000000");
    // 10^21 as an integer literal: JCS writes that double as 1e+21, so the literal is not canonical
    assertThatThrownBy(() -> canon("1000000000000000000000")).hasMessageContaining("1e+21");
    assertThat(canon("1e21")).isEqualTo("1e+21");
  }

  @Test
  void encode_integers_plain() {
    assertThat(canon("[0,-1,1,42,-9007199254740991,2147483648]")).isEqualTo("[0,-1,1,42,-9007199254740991,2147483648]");
    assertThat(CanonicalJson.encodeToString(F.numberNode((short) -7))).isEqualTo("-7");
    assertThat(CanonicalJson.encodeToString(F.numberNode(0.1f))).isEqualTo("0.1");
    assertThat(CanonicalJson.encodeToString(F.numberNode(new BigDecimal("12.500")))).isEqualTo("12.5");
  }

  @Test
  void encode_strings_escapeOnlyWhatRfc8785Escapes() {
    StringBuilder all = new StringBuilder();
    for (char c = 0; c < 0x20; c++) {
      all.append(c);
    }
    all.append("\"\\/\u007f\u00e9\u2028\ud83d\ude00");
    String expected =
        "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
            + "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"
            + "\\\"\\\\/\u007f\u00e9\u2028\ud83d\ude00\"";
    byte[] bytes = CanonicalJson.encode(F.textNode(all.toString()));
    assertThat(new String(bytes, UTF_8)).isEqualTo(expected);
    assertThat(bytes).isEqualTo(expected.getBytes(UTF_8)); // literal UTF-8, 4 bytes for the emoji
  }

  @Test
  void encode_loneSurrogate_isRefused() {
    ObjectNode node = F.objectNode();
    node.put("note", "a\ud800b");
    assertThatThrownBy(() -> CanonicalJson.encode(node))
        .isInstanceOf(CanonicalJsonException.class)
        .hasMessageContaining("$.note")
        .hasMessageContaining("U+D800");
    ObjectNode key = F.objectNode();
    key.put("\udc00", 1);
    assertThatThrownBy(() -> CanonicalJson.encode(key)).isInstanceOf(CanonicalJsonException.class);
    assertThatThrownBy(() -> canon("\"\\ud800\"")).isInstanceOf(CanonicalJsonException.class);
  }

  @Test
  void encode_nestedStructures_sortRecursivelyAndKeepArrayOrder() {
    assertThat(canon(" { \"b\" : [ 3 , {\"z\":1,\"a\":[]} ], \"a\" : {} , \"\" : null } "))
        .isEqualTo("{\"\":null,\"a\":{},\"b\":[3,{\"a\":[],\"z\":1}]}");
  }

  record Envelope(String eventType, long streamSeq, Map<String, Object> payload, List<String> tags) {}

  @Test
  void encode_object_goesThroughValueToTree() {
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("z", true);
    payload.put("a", 1.0);
    Envelope e = new Envelope("decision.created", 7, payload, List.of("x", "y"));
    assertThat(CanonicalJson.encodeToString(e))
        .isEqualTo("{\"eventType\":\"decision.created\",\"payload\":{\"a\":1,\"z\":true},\"streamSeq\":7,\"tags\":[\"x\",\"y\"]}");
    assertThat(CanonicalJson.encode((Object) null)).isEqualTo("null".getBytes(UTF_8));
    JsonNode asNode = F.textNode("x");
    assertThat(CanonicalJson.encode((Object) asNode)).isEqualTo(CanonicalJson.encode(asNode));
  }

  @Test
  void encode_pojoNode_isRefused() {
    ObjectNode node = F.objectNode();
    node.putPOJO("p", new Object());
    assertThatThrownBy(() -> CanonicalJson.encode(node)).isInstanceOf(CanonicalJsonException.class).hasMessageContaining("$.p");
  }

  @Test
  void encode_pathQuotesUnusualMemberNames() {
    ObjectNode node = F.objectNode();
    node.putObject("a b").put("x", Double.NaN);
    assertThatThrownBy(() -> CanonicalJson.encode(node)).hasMessageContaining("$[\"a b\"].x");
  }

  @Test
  void encode_largeDocument_growsBuffer() {
    ObjectNode node = F.objectNode();
    for (int i = 0; i < 5000; i++) {
      node.put("k" + i, "v".repeat(i % 50));
    }
    String out = CanonicalJson.encodeToString(node);
    assertThat(StrictJson.parse(out.getBytes(UTF_8))).isEqualTo(node);
  }
}
