package dev.arbiter.server.config;

import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.server.identity.Authenticator;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Who the engine trusts and how it signs: the authenticator for every API call, the engine key that
 * signs grants, and the approval policy that is not part of a bundle.
 *
 * @param classDomains action class → approval domain (e.g. {@code transfer → payments}); a class not
 *     listed is its own domain. An approver must cover the decision's domain.
 * @param gatewayRole the IdP role a gateway's token must carry to record executions
 * @param challengeTtl how long an issued challenge may be signed and submitted
 * @param grantTtl how long a grant may be presented at the gateway
 * @param approverPerMinute approvals, rejections and challenges one approver may attempt per minute
 * @param decisionPerMinute approval attempts one decision accepts per minute (all approvers)
 */
public record SecurityConfig(
    Authenticator authenticator,
    SigningKey engineKey,
    Map<String, String> classDomains,
    String gatewayRole,
    Duration challengeTtl,
    Duration grantTtl,
    int approverPerMinute,
    int decisionPerMinute) {

  public static final String DEFAULT_GATEWAY_ROLE = "arbiter-gateway";

  public SecurityConfig {
    Objects.requireNonNull(authenticator, "authenticator");
    Objects.requireNonNull(engineKey, "engineKey");
    Objects.requireNonNull(gatewayRole, "gatewayRole");
    classDomains = Map.copyOf(classDomains);
    if (engineKey.algorithm() != KeyAlgorithm.ED25519) {
      throw new IllegalArgumentException("the engine key signs grants (JWS EdDSA) and must be Ed25519");
    }
    if (challengeTtl.isNegative() || challengeTtl.isZero() || grantTtl.isNegative() || grantTtl.isZero()) {
      throw new IllegalArgumentException("challenge and grant TTLs must be positive");
    }
    if (approverPerMinute < 1 || decisionPerMinute < 1) {
      throw new IllegalArgumentException("rate limits must be at least 1 per minute");
    }
  }

  /** Defaults: 5-minute challenges, 10-minute grants, 120 attempts/min per approver, 60 per decision. */
  public static SecurityConfig of(Authenticator authenticator, SigningKey engineKey, Map<String, String> classDomains) {
    return new SecurityConfig(authenticator, engineKey, classDomains, DEFAULT_GATEWAY_ROLE, Duration.ofMinutes(5),
        Duration.ofMinutes(10), 120, 60);
  }

  public SecurityConfig withRateLimits(int perApprover, int perDecision) {
    return new SecurityConfig(authenticator, engineKey, classDomains, gatewayRole, challengeTtl, grantTtl, perApprover,
        perDecision);
  }

  /** The approval domain of an action class. */
  public String domainOf(String actionClass) {
    return classDomains.getOrDefault(actionClass, actionClass);
  }
}
