package dev.arbiter.core.canonical;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class CanonicalJsonProperties {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /**
   * Strings against an independent RFC 8785 string encoder, with escapes and multi-byte characters
   * anywhere, also where the encoder's buffer has to grow (it checks room only for those).
   */
  @Property(tries = 500)
  void strings_matchAReferenceEncoder(@ForAll("unicodeText") String text, @ForAll("padding") int pad) {
    String s = "a".repeat(pad) + text;
    assertThat(new String(CanonicalJson.encode(F.textNode(s)), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(reference(s));
  }

  private static String reference(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  @Provide
  Arbitrary<String> unicodeText() {
    Arbitrary<String> pieces = Arbitraries.oneOf(
        Arbitraries.chars().range((char) 0, (char) 0x1f).map(String::valueOf),
        Arbitraries.of("\"", "\\", "é", "ß", "€", "☃", "\ud83d\ude00", "\uD800\uDC00", "\uffff"),
        Arbitraries.strings().ascii().ofMaxLength(40));
    return pieces.list().ofMaxSize(200).map(l -> String.join("", l));
  }

  @Provide
  Arbitrary<Integer> padding() {
    return Arbitraries.oneOf(Arbitraries.integers().between(0, 8), Arbitraries.integers().between(990, 1030),
        Arbitraries.integers().between(2030, 2060));
  }

  @Property(tries = 300)
  void encode_isIdempotentThroughStrictParse(@ForAll("json") JsonNode value) {
    byte[] once = CanonicalJson.encode(value);
    byte[] twice = CanonicalJson.encode(StrictJson.parse(once));
    assertThat(twice).isEqualTo(once);
  }

  @Property(tries = 200)
  void encode_doesNotDependOnMemberInsertionOrder(@ForAll("json") JsonNode value, @ForAll long seed) {
    assertThat(CanonicalJson.encode(shuffled(value, new Random(seed)))).isEqualTo(CanonicalJson.encode(value));
  }

  @Property(tries = 2000)
  void numbers_roundTripToTheSameDouble(@ForAll double d) {
    if (!Double.isFinite(d)) {
      return;
    }
    String text = CanonicalJson.encodeToString(F.numberNode(d));
    assertThat(Double.parseDouble(text)).isEqualTo(d == 0 ? 0.0 : d);
    assertThat(CanonicalJson.encodeToString(StrictJson.parse(text.getBytes(java.nio.charset.StandardCharsets.UTF_8))))
        .isEqualTo(text);
  }

  @Provide
  Arbitrary<JsonNode> json() {
    return Arbitraries.lazyOf(this::scalar, this::scalar, this::scalar, this::array, this::object);
  }

  private Arbitrary<JsonNode> scalar() {
    Arbitrary<JsonNode> strings =
        Arbitraries.strings().all().ofMaxLength(12).filter(CanonicalJsonProperties::wellFormed).map(F::textNode);
    Arbitrary<JsonNode> doubles =
        Arbitraries.doubles().filter(Double::isFinite).map(d -> (JsonNode) F.numberNode(d));
    Arbitrary<JsonNode> bigDoubles =
        Arbitraries.longs().between(1L << 53, Long.MAX_VALUE).map(l -> (JsonNode) F.numberNode((double) l * 1000));
    Arbitrary<JsonNode> ints =
        Arbitraries.longs().between(-(1L << 53), 1L << 53).map(l -> (JsonNode) F.numberNode(l));
    Arbitrary<JsonNode> literals = Arbitraries.of(F.booleanNode(true), F.booleanNode(false), F.nullNode());
    return Arbitraries.oneOf(strings, doubles, bigDoubles, ints, literals);
  }

  private Arbitrary<JsonNode> array() {
    return json().list().ofMaxSize(3).map(items -> {
      ArrayNode a = F.arrayNode();
      items.forEach(a::add);
      return a;
    });
  }

  private Arbitrary<JsonNode> object() {
    Arbitrary<String> keys = Arbitraries.strings().all().ofMaxLength(6).filter(CanonicalJsonProperties::wellFormed);
    return Arbitraries.maps(keys, json()).ofMaxSize(3).map(members -> {
      ObjectNode o = F.objectNode();
      members.forEach(o::set);
      return o;
    });
  }

  private static boolean wellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  private static JsonNode shuffled(JsonNode node, Random random) {
    if (node.isObject()) {
      List<Map.Entry<String, JsonNode>> members = new ArrayList<>(node.properties());
      Collections.shuffle(members, random);
      ObjectNode o = F.objectNode();
      members.forEach(m -> o.set(m.getKey(), shuffled(m.getValue(), random)));
      return o;
    }
    if (node.isArray()) {
      ArrayNode a = F.arrayNode();
      node.forEach(item -> a.add(shuffled(item, random)));
      return a;
    }
    return node;
  }
}
