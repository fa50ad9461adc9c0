package dev.arbiter.server.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.core.approval.Challenge;
import dev.arbiter.core.canonical.JsonInputException;
import dev.arbiter.core.canonical.StrictJson;
import dev.arbiter.core.crypto.KeyId;
import dev.arbiter.core.decision.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The body of {@code POST /v1/decisions/{id}/approvals} and {@code /rejections}: {@code {challenge,
 * key_id, signature, rationale}}, parsed strictly (unknown fields and duplicate keys refused).
 *
 * @param signature the raw signature bytes (sent as base64 or base64url)
 */
public record ApprovalSubmission(Challenge challenge, KeyId keyId, byte[] signature, Optional<String> rationale) {
  static final int MAX_RATIONALE = 2_000;
  private static final Set<String> TOP = Set.of("challenge", "key_id", "signature", "rationale");

  public static ApprovalSubmission parse(byte[] body) throws EngineException.InvalidInput {
    JsonNode root;
    try {
      root = StrictJson.parse(body);
    } catch (JsonInputException e) {
      throw new EngineException.InvalidInput(List.of(CanonicalBodies.unreadable(e, e.getMessage(), "a JSON object {challenge, key_id, signature, rationale}")));
    }
    CanonicalBodies.require(root);
    List<FieldError> errors = new ArrayList<>();
    if (!root.isObject()) {
      throw new EngineException.InvalidInput(List.of(new FieldError("wrong_type", "$", "not an object",
          "{challenge, key_id, signature, rationale}")));
    }
    root.fieldNames().forEachRemaining(f -> {
      if (!TOP.contains(f)) {
        errors.add(new FieldError("unknown_field", f, "`" + f + "`", "one of " + TOP));
      }
    });
    Challenge challenge = null;
    try {
      challenge = Challenge.fromJson(root.get("challenge"));
    } catch (IllegalArgumentException e) {
      errors.add(new FieldError(root.has("challenge") ? "invalid_challenge" : "missing_field", "challenge",
          root.has("challenge") ? "an altered or malformed challenge" : "nothing", e.getMessage()));
    }
    KeyId keyId = null;
    try {
      keyId = new KeyId(root.path("key_id").asText(""));
    } catch (IllegalArgumentException e) {
      errors.add(new FieldError("invalid_key_id", "key_id", "not a key id", "`sha256:` + 64 lowercase hex digits"));
    }
    byte[] signature = null;
    JsonNode sig = root.get("signature");
    if (sig == null || !sig.isTextual() || sig.asText().isEmpty() || sig.asText().length() > 1024) {
      errors.add(new FieldError(sig == null ? "missing_field" : "wrong_type", "signature", "no usable signature",
          "the base64 signature over signing_input"));
    } else {
      signature = decode(sig.asText());
      if (signature == null) {
        errors.add(new FieldError("invalid_signature_encoding", "signature", "not base64", "standard or URL-safe base64"));
      }
    }
    JsonNode r = root.get("rationale");
    Optional<String> rationale = Optional.empty();
    if (r != null && !r.isNull()) {
      if (!r.isTextual() || r.asText().length() > MAX_RATIONALE) {
        errors.add(new FieldError("wrong_type", "rationale", "not a short string", "text of at most " + MAX_RATIONALE + " characters"));
      } else if (dev.arbiter.core.decision.Spelling.saysSomething(r.asText())) {
        // A letter or digit that shows: blank text, or text of invisible fillers only (black-box run: a
        // zero-width space passed "rationale required" on a critical decision), counts as none.
        rationale = Optional.of(r.asText().strip());
        dev.arbiter.core.secrets.SecretScanner.scanText(rationale.get()).ifPresent(detector ->
            errors.add(FieldError.secret("rationale", detector)));
      }
    }
    if (!errors.isEmpty()) {
      throw new EngineException.InvalidInput(errors);
    }
    return new ApprovalSubmission(challenge, keyId, signature, rationale);
  }

  private static byte[] decode(String s) {
    try {
      return dev.arbiter.core.approval.SignatureText.decode(s);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
