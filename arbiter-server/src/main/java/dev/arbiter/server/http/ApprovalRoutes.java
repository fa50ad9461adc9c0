package dev.arbiter.server.http;

import static dev.arbiter.server.http.Requests.decisionId;
import static dev.arbiter.server.http.Requests.json;
import static dev.arbiter.server.http.Requests.principal;
import static dev.arbiter.server.http.Requests.storedBody;
import static dev.arbiter.server.http.Requests.strictObject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.arbiter.core.decision.FieldError;
import dev.arbiter.server.engine.DecisionEngine;
import dev.arbiter.server.engine.EngineException;
import io.javalin.http.Context;
import java.util.List;

/** Keys, challenges, approvals and rejections (docs/api-approvals-grants.md). */
final class ApprovalRoutes {
  private final DecisionEngine engine;
  private final DecisionRoutes decisions;

  ApprovalRoutes(DecisionEngine engine, DecisionRoutes decisions) {
    this.engine = engine;
    this.decisions = decisions;
  }

  void challenge(Context ctx) throws EngineException {
    byte[] body = storedBody(ctx);
    String intent = dev.arbiter.core.approval.Challenge.APPROVE;
    if (body.length > 0) {
      JsonNode root;
      try {
        root = dev.arbiter.core.canonical.StrictJson.parse(body);
      } catch (RuntimeException e) {
        throw new EngineException.InvalidInput(List.of(dev.arbiter.server.engine.CanonicalBodies.unreadable(e, "malformed JSON",
            "{\"intent\": \"approve\"|\"reject\"}")));
      }
      dev.arbiter.server.engine.CanonicalBodies.require(root);
      java.util.Set<String> names = new java.util.HashSet<>();
      root.fieldNames().forEachRemaining(names::add);
      JsonNode i = root.get("intent");
      if (!root.isObject() || !java.util.Set.of("intent").containsAll(names) || (i != null && !(i.isTextual()
          && (i.asText().equals("approve") || i.asText().equals("reject"))))) {
        throw new EngineException.InvalidInput(List.of(new FieldError("invalid_field", "intent", "an unexpected body",
            "{\"intent\": \"approve\"|\"reject\"} or an empty body")));
      }
      if (i != null) {
        intent = i.asText();
      }
    }
    var issued = engine.approvals().challenge(principal(ctx), decisionId(ctx), intent);
    var out = JsonNodeFactory.instance.objectNode();
    out.set("challenge", issued.challenge().toJson());
    out.put("signing_input", java.util.Base64.getEncoder().encodeToString(issued.challenge().signingInput()));
    if (decisions.mayRead(principal(ctx), issued.decision())) {
      out.set("decision", decisions.decisionJson(issued.decision(), false));
    }
    json(ctx, 201, out);
  }

  void approval(Context ctx, boolean reject) throws EngineException {
    dev.arbiter.server.engine.ApprovalSubmission submission;
    try {
      submission = dev.arbiter.server.engine.ApprovalSubmission.parse(storedBody(ctx));
    } catch (EngineException.InvalidInput e) {
      // An altered challenge or signature is an attempt on the decision: on its trail, like a bad signature.
      engine.approvals().malformed(principal(ctx), decisionId(ctx), reject, e.errors());
      throw e;
    }
    var d = reject ? engine.approvals().reject(principal(ctx), decisionId(ctx), submission)
        : engine.approvals().approve(principal(ctx), decisionId(ctx), submission);
    json(ctx, 200, decisions.decisionJson(d, false));
  }

  /**
   * {@code POST /v1/keys/challenge {"public_key"}}: the statement to sign for an enrolment, with its
   * exact signing input, as the approval challenge hands out its own.
   */
  void keyChallenge(Context ctx) throws EngineException {
    var statement = engine.keys().statement(principal(ctx), publicKey(strictObject(storedBody(ctx), java.util.Set.of("public_key"))));
    var out = JsonNodeFactory.instance.objectNode();
    out.set("statement", statement.toJson());
    out.put("signing_input", java.util.Base64.getEncoder().encodeToString(statement.signingInput()));
    json(ctx, 201, out);
  }

  /** {@code POST /v1/keys {"public_key", "proof": {"statement", "signature"}}}. */
  void enrol(Context ctx) throws EngineException {
    JsonNode root = strictObject(storedBody(ctx), java.util.Set.of("public_key", "proof"));
    var e = engine.keys().enrol(principal(ctx), publicKey(root), root.get("proof"));
    json(ctx, e.existing() ? 200 : 201, JsonNodeFactory.instance.objectNode().put("key_id", e.key().id().value())
        .put("subject", e.key().subject()).put("algorithm", e.key().key().algorithm().wireName())
        .put("enrolled_at", e.key().enrolledAt().toString()));
  }

  private static String publicKey(JsonNode root) throws EngineException.InvalidInput {
    JsonNode pem = root.get("public_key");
    if (pem == null || !pem.isTextual()) {
      throw new EngineException.InvalidInput(List.of(pem == null
          ? new FieldError("missing_field", "public_key", "nothing", "an SPKI PEM public key")
          : new FieldError("wrong_type", "public_key", pem.getNodeType().name().toLowerCase(java.util.Locale.ROOT),
              "an SPKI PEM public key (a string)")));
    }
    return pem.asText();
  }

  void revoke(Context ctx) throws EngineException {
    JsonNode root = strictObject(storedBody(ctx), java.util.Set.of("key_id"));
    dev.arbiter.core.crypto.KeyId id;
    try {
      id = new dev.arbiter.core.crypto.KeyId(root.path("key_id").asText(""));
    } catch (IllegalArgumentException e) {
      throw new EngineException.InvalidInput(List.of(new FieldError("invalid_key_id", "key_id", "not a key id",
          "`sha256:` + 64 lowercase hex digits")));
    }
    var k = engine.keys().revoke(principal(ctx), id);
    json(ctx, 200, JsonNodeFactory.instance.objectNode().put("key_id", k.id().value())
        .put("revoked_at", k.revokedAt().orElseThrow().toString()));
  }
}
