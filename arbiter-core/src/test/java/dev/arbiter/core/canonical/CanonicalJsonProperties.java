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
