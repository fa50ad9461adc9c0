package dev.arbiter.core.decision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DecisionRequestsTest {
  private static DecisionRequest parse(String json) throws InvalidRequestException {
    return DecisionRequests.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  private static List<FieldError> errors(String json) {
    try {
      parse(json);
    } catch (InvalidRequestException e) {
      return e.errors();
    }
    throw new AssertionError("request was accepted");
  }

  @Test
  void parse_whenComplete_normalisesEveryField() throws Exception {
    DecisionRequest r = parse("""
        {"action":{"class":"transfer","tool":"payments-api","intent":"refund",
          "target":{"type":"account","id":"a1"},
          "payload":{"amount":12,"fee":0.5,"tags":["x"],"meta":{"k":null}}},
         "context":{"actor":{"id":"agent_1"},"environment":"staging","request_source":"agent",
          "scope":"customer_support","blast_radius":3,"reversible":true}}
        """);

    assertThat(r.action().actionClass()).isEqualTo("transfer");
    assertThat(r.action().target()).isEqualTo(new Target("account", "a1"));
    assertThat(r.action().payload()).containsEntry("amount", 12L).containsEntry("fee", 0.5)
        .containsEntry("tags", List.of("x"));
    assertThat(r.context().actorId()).contains("agent_1");
    assertThat(r.context().environment()).isEqualTo(Environment.STAGING);
    assertThat(r.context().blastRadius()).isEqualTo(3);
    assertThat(r.context().reversible()).isTrue();
  }

  @Test
  void parse_whenEnvironmentMissing_treatsAsProduction() throws Exception {
    DecisionRequest r = parse("{\"action\":{\"class\":\"read\"},\"context\":{\"actor\":{\"id\":\"a\"}}}");

    assertThat(r.context().environment()).isEqualTo(Environment.PRODUCTION);
    assertThat(r.context().reversible()).isFalse();
    assertThat(r.context().blastRadius()).isEqualTo(1);
    assertThat(r.action().payload()).isEqualTo(Map.of());
  }

  @Test
  void parse_whenActorMissing_keepsItAbsentForTheEvaluatorToDeny() throws Exception {
    assertThat(parse("{\"action\":{\"class\":\"read\"}}").context().actorId()).isEmpty();
    assertThat(parse("{\"action\":{\"class\":\"read\"},\"context\":{\"actor\":{\"id\":\"  \"}}}").context().actorId()).isEmpty();
  }

  /** What a grant carries is bounded, so that every grant fits the headers it travels in. */
  @Test
  void parse_whenAFieldAGrantCarriesIsTooLong_rejectsWithPath() throws Exception {
    String ok = "{\"action\":{\"class\":\"%s\",\"tool\":\"%s\",\"target\":{\"type\":\"%s\",\"id\":\"%s\"}}}";
    parse(ok.formatted("c".repeat(64), "t".repeat(128), "y".repeat(64), "i".repeat(512)));

    assertThat(errors(ok.formatted("c".repeat(65), "t".repeat(129), "y".repeat(65), "i".repeat(513))))
        .extracting(FieldError::code, FieldError::path)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("too_long", "action.class"),
            org.assertj.core.groups.Tuple.tuple("too_long", "action.tool"),
            org.assertj.core.groups.Tuple.tuple("too_long", "action.target.type"),
            org.assertj.core.groups.Tuple.tuple("too_long", "action.target.id"));
  }

  @Test
  void parse_whenUnknownTopLevelField_rejectsWithPath() {
    assertThat(errors("{\"action\":{\"class\":\"read\"},\"extra\":1}"))
        .singleElement()
        .satisfies(e -> {
          assertThat(e.code()).isEqualTo("unknown_field");
          assertThat(e.path()).isEqualTo("extra");
        });
  }

  @Test
  void parse_whenDuplicateKey_rejects() {
    assertThat(errors("{\"action\":{\"class\":\"read\",\"class\":\"deploy\"}}"))
        .singleElement()
        .satisfies(e -> {
          assertThat(e.code()).isEqualTo("malformed_json");
          assertThat(e.got()).isEqualTo("a duplicate field at line 1, column 34");
        });
  }

  @Test
  void parse_whenMalformed_saysWhereButNeverEchoesTheInput() {
    assertThat(errors("{\"action\": sk_live_0123456789abcdefghij}"))
        .singleElement()
        .satisfies(e -> {
          assertThat(e.code()).isEqualTo("malformed_json");
          assertThat(e.got()).startsWith("malformed JSON at line 1").doesNotContain("sk_live");
        });
  }

  @Test
  void parse_withHundredsOfUnknownFields_reportsABoundedList() {
    StringBuilder b = new StringBuilder("{\"action\":{\"class\":\"read\"");
    for (int i = 0; i < 500; i++) {
      b.append(",\"f").append(i).append("\":1");
    }
    b.append("}}");
    assertThat(errors(b.toString())).hasSize(21).last()
        .satisfies(e -> assertThat(e.code()).isEqualTo("too_many_errors"));
  }

  @Test
  void parse_whenWrongTypes_reportsEachWithPathGotAndWant() {
    assertThat(errors("""
        {"action":{"class":7,"target":"svc","payload":[]},
         "context":{"actor":{"id":1},"environment":"prod","blast_radius":-1,"reversible":"yes"}}
        """))
        .extracting(FieldError::toString)
        .containsExactlyInAnyOrder(
            "action.class: got number, want string",
            "action.target: got string, want object",
            "action.payload: got array, want object",
            "context.actor.id: got number, want string",
            "context.environment: got \"prod\", want one of \"dev\", \"staging\", \"production\"",
            "context.blast_radius: got -1, want a non-negative integer",
            "context.reversible: got string, want boolean");
  }

  /** Black-box run: respelt targets slipped past gates that compare with ==. */
  @Test
  void parse_aTargetTypeNotALowercaseName_orATargetIdWithInvisibleOrSurroundingCharacters_isRefused() throws Exception {
    String template = """
        {"action":{"class":"write","tool":"config-writer","intent":"x","target":{"type":%s,"id":%s},"payload":{}},
         "context":{"actor":{"id":"ci"}}}""";
    for (String type : new String[] {"\"IAM_role\"", "\"iam_role \"", "\" iam_role\"", "\"iam_role\\u200b\"",
        "\"iam role\"", "\"_x\""}) {
      assertThat(errors(template.formatted(type, "\"prod-admin\""))).as(type).extracting(FieldError::path)
          .containsExactly("action.target.type");
    }
    for (String id : new String[] {"\"billing \"", "\" billing\"", "\"billing\\u200b\"", "\"bil\\u202eling\"",
        "\"billing\\n\"", "\"bill\\u0000ing\"", "\"billing\\u00a0\"", "\"a\\u2028b\"", "\"billing\\u3164\"",
        "\"billing\\u034f\"", "\"billing\\ufe0f\"", "\"billing\\u2800\"", "\"cafe\\u0301\""}) {
      List<FieldError> e = errors(template.formatted("\"database\"", id));
      assertThat(e).as(id).extracting(FieldError::path).containsExactly("action.target.id");
      assertThat(e.get(0).got()).as("shown escaped").doesNotContain("\u200b").doesNotContain("\u0000");
    }
    for (String id : new String[] {"\"Billing\"", "\"#releases\"", "\"acct_8812\"", "\"My Service\"", "\"caf\u00e9\""}) {
      assertThat(DecisionRequests.parse(template.formatted("\"database\"", id).getBytes(StandardCharsets.UTF_8))
          .action().target().id()).as(id).isNotEmpty();
    }
  }

  /** Black-box run: a long number and a long field name were both answered "nested more than 64 levels". */
  @Test
  void parse_whenOverAParserLimit_namesTheLimitThatWasBroken() {
    String payload = "{\"action\":{\"class\":\"read\",\"payload\":{%s}}}";
    assertThat(errors(payload.formatted("\"n\":" + "1".repeat(1_001))))
        .extracting(FieldError::code, FieldError::toString)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("number_too_long",
            "$: got a number of 1001 characters, want at most 1000 characters in a number"));
    assertThat(errors(payload.formatted("\"" + "k".repeat(60_000) + "\":1")))
        .extracting(FieldError::code, FieldError::toString)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("name_too_long",
            "$: got a field name of 60000 characters, want at most 50000 characters in a field name"));
    assertThat(errors(payload.formatted("\"s\":\"" + "x".repeat(20_000_001) + "\"")))
        .extracting(FieldError::code, FieldError::toString)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("string_too_long",
            "$: got a string of 20000001 characters, want at most 20000000 characters in a string"));
    assertThat(errors(payload.formatted("\"n\":" + "[".repeat(62) + "]".repeat(62))))
        .extracting(FieldError::code, FieldError::toString)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("too_deep",
            "$: got JSON nested more than 64 levels, want at most 64 levels of nesting"));
  }

  @Test
  void parse_whenActionClassMissing_rejects() {
    assertThat(errors("{\"action\":{\"tool\":\"x\"}}")).extracting(FieldError::path).containsExactly("action.class");
    assertThat(errors("{\"context\":{}}")).extracting(FieldError::path).containsExactly("action");
  }

  @Test
  void parse_whenNotJson_rejectsAsMalformed() {
    assertThat(errors("{\"action\":")).extracting(FieldError::code).containsExactly("malformed_json");
    assertThat(errors("[]")).extracting(FieldError::toString).containsExactly("$: got array, want object");
    assertThat(errors("{} {}")).extracting(FieldError::code).containsExactly("malformed_json");
  }

  @Test
  void parse_whenPayloadIntegerOverflowsLong_rejects() {
    assertThat(errors("{\"action\":{\"class\":\"read\",\"payload\":{\"n\":123456789012345678901234567890}}}"))
        .extracting(FieldError::path).containsExactly("action.payload.n");
  }

  @Test
  void payload_isImmutable() throws Exception {
    DecisionRequest r = parse("{\"action\":{\"class\":\"read\",\"payload\":{\"a\":[1]}}}");
    assertThatThrownBy(() -> r.action().payload().put("b", 1)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void toJson_roundTripsTheNormalisedRequest() throws Exception {
    DecisionRequest r = parse("""
        {"action":{"class":"transfer","payload":{"amount":12,"fee":0.5,"tags":["x",null],"meta":{"k":true}}},
         "context":{"environment":"dev","blast_radius":3}}
        """);

    var json = DecisionRequestJson.toJson(r);

    assertThat(json.get("context").get("environment").asText()).isEqualTo("dev");
    assertThat(json.get("context").get("actor").isNull()).isTrue();
    assertThat(json.get("action").get("payload").toString())
        .isEqualTo("{\"amount\":12,\"fee\":0.5,\"tags\":[\"x\",null],\"meta\":{\"k\":true}}");
    assertThat(DecisionRequests.normalise(json)).isEqualTo(r);
  }
}
