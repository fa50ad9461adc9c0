package dev.arbiter.core.approval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.crypto.DomainSeparation;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * What an approver signs (DESIGN §3): {@code arbiter-approval-v1 ‖ 0x00 ‖ canonical JSON of
 * {decision_id, intent, issued_at, nonce, ttl_seconds, policy_hash}}. The engine issues it, keeps it
 * until it is used or expires, and accepts it back only unchanged.
 *
 * @param intent {@code approve} or {@code reject}: what the signature means, so that a signed
 *     rejection can never be replayed as an approval
 * @param nonce 32 random bytes, base64url without padding; single use
 */
public record Challenge(
    String decisionId, String intent, Instant issuedAt, String nonce, long ttlSeconds, String policyHash) {

  public static final String CONTEXT = "arbiter-approval-v1";
  public static final String APPROVE = "approve";
  public static final String REJECT = "reject";
  private static final Set<String> FIELDS =
      Set.of("decision_id", "intent", "issued_at", "nonce", "ttl_seconds", "policy_hash");

  public Challenge {
    Objects.requireNonNull(decisionId, "decisionId");
    Objects.requireNonNull(intent, "intent");
    Objects.requireNonNull(issuedAt, "issuedAt");
    Objects.requireNonNull(nonce, "nonce");
    Objects.requireNonNull(policyHash, "policyHash");
    if (!intent.equals(APPROVE) && !intent.equals(REJECT)) {
      throw new IllegalArgumentException("intent must be `approve` or `reject`, got `" + intent + "`");
    }
    if (ttlSeconds < 1) {
      throw new IllegalArgumentException("ttl_seconds must be positive");
    }
  }

  /** When the challenge stops being accepted. */
  public Instant expiresAt() {
    return issuedAt.plusSeconds(ttlSeconds);
  }

  public ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("decision_id", decisionId);
    n.put("intent", intent);
    n.put("issued_at", issuedAt.toString());
    n.put("nonce", nonce);
    n.put("ttl_seconds", ttlSeconds);
    n.put("policy_hash", policyHash);
    return n;
  }

  /** The exact bytes to sign: domain-separated canonical JSON. */
  public byte[] signingInput() {
    return DomainSeparation.signingInput(CONTEXT, CanonicalJson.encode(toJson()));
  }

  /**
   * Reads a challenge echoed by a client: exactly the six fields, each of its type.
   *
   * @throws IllegalArgumentException naming the first problem
   */
  public static Challenge fromJson(JsonNode json) {
    StrictFields.requireExactly(json, "challenge", FIELDS, "the object the challenge endpoint returned");
    JsonNode ttl = json.get("ttl_seconds");
    if (!ttl.isIntegralNumber() || !ttl.canConvertToLong()) {
      throw new IllegalArgumentException("`challenge.ttl_seconds` must be an integer");
    }
    return new Challenge(StrictFields.text(json, "challenge", "decision_id"), StrictFields.text(json, "challenge", "intent"),
        StrictFields.instant(json, "challenge", "issued_at"), StrictFields.text(json, "challenge", "nonce"), ttl.longValue(),
        StrictFields.text(json, "challenge", "policy_hash"));
  }
}
