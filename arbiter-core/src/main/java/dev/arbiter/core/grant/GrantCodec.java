package dev.arbiter.core.grant;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.canonical.StrictJson;
import dev.arbiter.core.crypto.CompactJws;
import dev.arbiter.core.crypto.KeyId;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.core.decision.Target;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Grants as compact JWS: header {@code {alg: EdDSA, typ: arbiter-grant+jwt, kid: <engine key id>}},
 * payload the canonical JSON of {@link Grant#toJson()}. Verification needs public keys only.
 */
public final class GrantCodec {
  public static final String TYPE = "arbiter-grant+jwt";
  /** The environment of a grant whose engine did not state one (no route pinned to environments takes it). */
  public static final String UNKNOWN_ENVIRONMENT = "";
  private static final Set<String> FIELDS = new TreeSet<>(Set.of("grant_id", "decision_id", "action_class", "tool",
      "target", "environment", "payload_hash", "policy_hash", "receipt", "not_before", "expires_at", "nonce"));

  private GrantCodec() {}

  public static String sign(Grant grant, SigningKey engineKey) {
    return CompactJws.sign(TYPE, CanonicalJson.encode(grant.toJson()), engineKey);
  }

  /**
   * Verifies the engine's signature and the validity window; the caller still checks the request
   * against the grant, the receipt, and burns it.
   *
   * @param trustedEngineKeys the engine keys this verifier pins, by key id
   * @throws GrantRejectedException {@code malformed}, {@code wrong_type}, {@code
   *     algorithm_not_allowed}, {@code unknown_key}, {@code bad_signature}, {@code not_yet_valid},
   *     {@code expired}
   */
  public static Grant verify(String compact, Function<KeyId, Optional<VerifyingKey>> trustedEngineKeys, Instant now,
      Duration skew) throws GrantRejectedException {
    CompactJws.Verified v;
    try {
      v = CompactJws.verify(compact, TYPE, trustedEngineKeys);
    } catch (CompactJws.Rejected e) {
      throw new GrantRejectedException(e.code(), "grant refused: " + e.getMessage());
    }
    Grant g = parse(v.payload());
    if (now.plus(skew).isBefore(g.notBefore())) {
      throw new GrantRejectedException("not_yet_valid", "grant " + g.grantId() + " is not valid before " + g.notBefore(), g);
    }
    if (!now.minus(skew).isBefore(g.expiresAt())) {
      throw new GrantRejectedException("expired", "grant " + g.grantId() + " expired at " + g.expiresAt(), g);
    }
    return g;
  }

  /** Reads the claims of a signed grant (exactly the grant's fields). */
  static Grant parse(byte[] payload) throws GrantRejectedException {
    try {
      JsonNode n = StrictJson.parse(payload);
      Set<String> names = new TreeSet<>();
      n.fieldNames().forEachRemaining(names::add);
      // A grant of an engine older than the environment claim (tenth session) lacks it: read as an
      // unknown environment, which a route pinned to environments refuses, any other route takes.
      boolean legacy = !names.contains("environment") && names.size() == FIELDS.size() - 1;
      if (!names.equals(FIELDS) && !(legacy && FIELDS.containsAll(names))) {
        throw new GrantRejectedException("malformed", "grant claims must be exactly " + FIELDS);
      }
      JsonNode t = n.get("target");
      return new Grant(text(n, "grant_id"), text(n, "decision_id"), text(n, "action_class"), text(n, "tool"),
          new Target(text(t, "type"), text(t, "id")), legacy ? UNKNOWN_ENVIRONMENT : text(n, "environment"),
          text(n, "payload_hash"), text(n, "policy_hash"),
          n.get("receipt"), Instant.parse(text(n, "not_before")), Instant.parse(text(n, "expires_at")), text(n, "nonce"));
    } catch (GrantRejectedException e) {
      throw e;
    } catch (DateTimeParseException | IllegalArgumentException | NullPointerException e) {
      throw new GrantRejectedException("malformed", "grant claims are malformed");
    } catch (RuntimeException e) {
      throw new GrantRejectedException("malformed", "grant claims are not JSON");
    }
  }

  private static String text(JsonNode n, String field) throws GrantRejectedException {
    JsonNode v = n == null ? null : n.get(field);
    if (v == null || !v.isTextual()) {
      throw new GrantRejectedException("malformed", "grant claim `" + field + "` must be a string");
    }
    return v.asText();
  }
}
