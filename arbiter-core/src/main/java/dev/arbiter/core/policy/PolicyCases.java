package dev.arbiter.core.policy;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.arbiter.core.authority.AuthorityRequirement;
import dev.arbiter.core.decision.DecisionRequests;
import dev.arbiter.core.decision.Evaluation;
import dev.arbiter.core.decision.EvaluationJson;
import dev.arbiter.core.decision.InvalidRequestException;
import dev.arbiter.core.decision.Outcome;
import dev.arbiter.core.risk.RiskBand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a cases file ({@code cases: [{name, request, expect: {outcome, band, authority,
 * reasons_include}}]}, docs/policy.md "Testing a bundle") and runs it against a bundle.
 */
public final class PolicyCases {
  private static final YAMLMapper YAML =
      YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final Set<String> CASE_KEYS = Set.of("name", "request", "expect", "description");
  private static final Set<String> EXPECT_KEYS = Set.of("outcome", "band", "authority", "reasons_include");

  private PolicyCases() {}

  /** Parses a cases file; malformed files are {@link BundleReadException}s naming the case. */
  public static List<PolicyCase> read(Path file) throws BundleReadException {
    JsonNode root;
    try {
      root = YAML.readTree(dev.arbiter.core.io.BoundedFiles.read(file, PolicyBundles.MAX_FILE_BYTES));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      var at = e.getLocation();
      throw new BundleReadException("cases `" + file + "`: not valid YAML"
          + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()), e);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new BundleReadException("cannot read cases `" + file + "`: no such file", e);
    } catch (IOException e) {
      throw new BundleReadException("cannot read cases `" + file + "`: " + e.getMessage(), e);
    }
    if (root == null || !root.path("cases").isArray()) {
      throw new BundleReadException(file + ": expected a top-level `cases:` list");
    }
    if (root.get("cases").isEmpty()) {
      // A cases file that tests nothing would pass every CI run that relies on it.
      throw new BundleReadException(file + ": `cases:` is empty; a cases file must hold at least one case");
    }
    List<PolicyCase> out = new ArrayList<>();
    int i = 0;
    for (JsonNode c : root.get("cases")) {
      i++;
      String where = file.getFileName() + ": case " + i;
      if (!c.isObject()) {
        throw new BundleReadException(where + ": expected a mapping");
      }
      unknown(c, CASE_KEYS, where);
      String name = c.path("name").asText("");
      if (name.isBlank()) {
        throw new BundleReadException(where + ": missing `name`");
      }
      where = file.getFileName() + ": case `" + name + "`";
      if (!c.path("request").isObject()) {
        throw new BundleReadException(where + ": missing `request` mapping");
      }
      JsonNode expect = c.path("expect");
      if (!expect.isObject()) {
        throw new BundleReadException(where + ": missing `expect` mapping");
      }
      unknown(expect, EXPECT_KEYS, where + " expect");
      Optional<Outcome> outcome = Optional.empty();
      if (expect.has("outcome")) {
        outcome = Outcome.fromWireName(expect.get("outcome").asText());
        if (outcome.isEmpty()) {
          throw new BundleReadException(where + ": unknown outcome `" + expect.get("outcome").asText() + "`");
        }
      }
      Optional<RiskBand> band = Optional.empty();
      if (expect.has("band")) {
        band = RiskBand.fromWireName(expect.get("band").asText());
        if (band.isEmpty()) {
          throw new BundleReadException(where + ": unknown band `" + expect.get("band").asText() + "`");
        }
      }
      List<String> reasons = new ArrayList<>();
      expect.path("reasons_include").forEach(r -> reasons.add(r.asText()));
      out.add(new PolicyCase(name, c.get("request"), outcome, band,
          Optional.ofNullable(expect.get("authority")), reasons));
    }
    return out;
  }

  private static void unknown(JsonNode obj, Set<String> allowed, String where) throws BundleReadException {
    for (var it = obj.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!allowed.contains(k)) {
        throw new BundleReadException(where + ": unknown key `" + k + "`");
      }
    }
  }

  /** Runs one case. An invalid request is reported as a mismatch, not thrown. */
  public static CaseResult run(PolicyBundle bundle, PolicyCase c) {
    Evaluation e;
    try {
      e = bundle.evaluate(DecisionRequests.normalise(c.request()));
    } catch (InvalidRequestException ex) {
      return new CaseResult(c.name(), List.of(new CaseResult.Mismatch("request", "a valid request", ex.getMessage())), Optional.empty());
    }
    List<CaseResult.Mismatch> m = new ArrayList<>();
    c.outcome().filter(o -> o != e.outcome())
        .ifPresent(o -> m.add(new CaseResult.Mismatch("outcome", o.wireName(), e.outcome().wireName())));
    c.band().filter(b -> b != e.risk().band())
        .ifPresent(b -> m.add(new CaseResult.Mismatch("risk.band", b.wireName(), e.risk().band().wireName() + " (score " + e.risk().score() + ")")));
    c.authority().ifPresent(a -> compareAuthority(a, e.authority().filter(AuthorityRequirement::requiresApproval), m));
    for (String r : c.reasonsInclude()) {
      if (e.reasons().stream().noneMatch(x -> x.contains(r))) {
        m.add(new CaseResult.Mismatch("reasons", "a reason containing \"" + r + "\"", e.reasons().toString()));
      }
    }
    return new CaseResult(c.name(), m, Optional.of(e));
  }

  private static void compareAuthority(JsonNode expected, Optional<AuthorityRequirement> actual, List<CaseResult.Mismatch> m) {
    if (expected.isNull()) {
      actual.ifPresent(a -> m.add(new CaseResult.Mismatch("authority", "no approval required", EvaluationJson.authority(a).toString())));
      return;
    }
    if (actual.isEmpty()) {
      m.add(new CaseResult.Mismatch("authority", expected.toString(), "no approval required"));
      return;
    }
    ObjectNode got = EvaluationJson.authority(actual.get());
    got.put("min_level", actual.get().minLevel().map(Enum::name).orElse(""));
    for (var it = expected.properties().iterator(); it.hasNext(); ) {
      var f = it.next();
      JsonNode want = normalise(f.getKey(), f.getValue());
      JsonNode have = got.get(f.getKey());
      if (have == null) {
        m.add(new CaseResult.Mismatch("authority." + f.getKey(), want.toString(), "(not an authority field)"));
      } else if (!same(want, have)) {
        m.add(new CaseResult.Mismatch("authority." + f.getKey(), want.toString(), have.toString()));
      }
    }
  }

  private static JsonNode normalise(String key, JsonNode v) {
    if (key.equals("co_sign") && v.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      for (JsonNode c : v) {
        if (c.isTextual()) {
          out.addObject().put("level", c.asText()).put("count", 1);
        } else {
          out.addObject().put("level", c.path("level").asText()).put("count", c.path("count").asInt(1));
        }
      }
      return out;
    }
    if ((key.equals("levels") || key.equals("roles")) && v.isArray()) {
      List<String> s = new ArrayList<>();
      v.forEach(x -> s.add(x.asText()));
      s.sort(null);
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      s.forEach(out::add);
      return out;
    }
    return v;
  }

  private static boolean same(JsonNode want, JsonNode have) {
    if (want.isNumber() && have.isNumber()) {
      return want.decimalValue().compareTo(have.decimalValue()) == 0;
    }
    if (want.isValueNode() && have.isValueNode()) {
      return want.asText().equals(have.asText());
    }
    return want.equals(have);
  }
}
