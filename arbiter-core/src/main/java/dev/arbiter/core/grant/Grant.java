package dev.arbiter.core.grant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.crypto.Sha256;
import dev.arbiter.core.decision.Target;
import java.time.Instant;
import java.util.Objects;

/**
 * A signed, one-time execution clearance (DESIGN §3), carried as a compact JWS ({@link GrantCodec}).
 *
 * @param grantId {@code gnt_} + ULID; the key the gateway burns
 * @param environment the request's {@code context.environment} ({@code dev}, {@code staging} or
 *     {@code production}) the policy decided under. The proposer states it; a gateway route pinned to
 *     environments refuses a grant for another, so a production tool never runs a "dev" decision.
 * @param payloadHash {@code sha256:} of the canonical (RFC 8785) {@code action.payload}
 * @param receipt the ledger receipt ({@code Receipt.toJson()}) of the event that authorised the
 *     decision: leaf index, entry hash, inclusion proof and signed checkpoint
 * @param nonce 16 random bytes, base64url; makes two grants for one decision distinct
 */
public record Grant(
    String grantId,
    String decisionId,
    String actionClass,
    String tool,
    Target target,
    String environment,
    String payloadHash,
    String policyHash,
    JsonNode receipt,
    Instant notBefore,
    Instant expiresAt,
    String nonce) {

  public Grant {
    Objects.requireNonNull(grantId, "grantId");
    Objects.requireNonNull(decisionId, "decisionId");
    Objects.requireNonNull(actionClass, "actionClass");
    Objects.requireNonNull(tool, "tool");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(environment, "environment");
    Objects.requireNonNull(payloadHash, "payloadHash");
    Objects.requireNonNull(policyHash, "policyHash");
    Objects.requireNonNull(receipt, "receipt");
    Objects.requireNonNull(notBefore, "notBefore");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(nonce, "nonce");
    if (!expiresAt.isAfter(notBefore)) {
      throw new IllegalArgumentException("expires_at must be after not_before");
    }
  }

  /** {@code sha256:} + hex of the canonical JSON of {@code payload}: what a grant binds. */
  public static String payloadHash(JsonNode payload) {
    return canonicalPayloadHash(CanonicalJson.encode(payload));
  }

  /** {@link #payloadHash(JsonNode)} of a payload whose canonical JSON bytes the caller already holds. */
  public static String canonicalPayloadHash(byte[] canonicalPayload) {
    return Sha256.prefixed(Sha256.digest(canonicalPayload));
  }

  public ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("grant_id", grantId);
    n.put("decision_id", decisionId);
    n.put("action_class", actionClass);
    n.put("tool", tool);
    n.putObject("target").put("type", target.type()).put("id", target.id());
    n.put("environment", environment);
    n.put("payload_hash", payloadHash);
    n.put("policy_hash", policyHash);
    n.set("receipt", receipt.deepCopy());
    n.put("not_before", notBefore.toString());
    n.put("expires_at", expiresAt.toString());
    n.put("nonce", nonce);
    return n;
  }
}
