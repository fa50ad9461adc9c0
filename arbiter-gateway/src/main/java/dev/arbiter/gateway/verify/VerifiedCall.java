package dev.arbiter.gateway.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.core.grant.Grant;

/**
 * A request that {@link GrantVerifier} accepted: the verified grant, the verified gateway proof, and
 * the parsed body (the payload the grant authorised).
 *
 * <p>What the tool must still do: refuse a {@code grant_id} it has already executed, and a {@code
 * decision_id} it has already executed under another grant (the engine may issue a decision a fresh
 * grant, e.g. after it restarted, while an earlier one is still valid). The gateway
 * burns grants and the engine starts one execution per decision, but a tool that de-duplicates
 * survives a misconfigured or compromised second gateway.
 */
public record VerifiedCall(Grant grant, GatewayProof proof, JsonNode payload) {
  /** A copy of the payload: the caller may modify it without changing this record. */
  @Override
  public JsonNode payload() {
    return payload.deepCopy();
  }
}
