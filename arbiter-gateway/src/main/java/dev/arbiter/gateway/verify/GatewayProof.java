package dev.arbiter.gateway.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.canonical.StrictJson;
import dev.arbiter.core.crypto.CompactJws;
import dev.arbiter.core.crypto.KeyId;
import dev.arbiter.core.crypto.Sha256;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.core.grant.GrantRejectedException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The gateway's proof to a tool that this exact request passed the gateway: a compact JWS, header
 * {@code {alg: EdDSA, typ: arbiter-gateway-proof+jwt, kid: <gateway key id>}}, payload the canonical
 * JSON (RFC 8785) of
 * {@code {grant_id, tool, method, path, body_hash, issued_at, nonce}}. Sent as the {@value #HEADER}
 * header next to the grant itself ({@value #GRANT_HEADER}).
 *
 * <p>Why both: the grant says what was authorised, the proof says that the gateway checked the grant,
 * burned it and forwarded these bytes to this method and path. A grant alone, copied from a log, must
 * not let anyone call the tool directly; the typ is the domain separation, so a grant can never pass
 * as a proof nor a proof as a grant.
 *
 * @param bodyHash {@code sha256:} + hex of the raw forwarded body bytes (not canonicalised: the tool
 *     hashes exactly what it received)
 * @param issuedAt when the gateway forwarded the call; a tool refuses proofs outside ±60 s
 * @param nonce random, base64url; makes two proofs for one request distinct
 */
public record GatewayProof(String grantId, String tool, String method, String path, String bodyHash, Instant issuedAt,
    String nonce) {
  public static final String TYPE = "arbiter-gateway-proof+jwt";
  public static final String HEADER = "Arbiter-Gateway-Proof";
  public static final String GRANT_HEADER = "Arbiter-Grant";
  private static final Set<String> FIELDS =
      new TreeSet<>(Set.of("grant_id", "tool", "method", "path", "body_hash", "issued_at", "nonce"));

  public GatewayProof {
    Objects.requireNonNull(grantId, "grantId");
    Objects.requireNonNull(tool, "tool");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(bodyHash, "bodyHash");
    Objects.requireNonNull(issuedAt, "issuedAt");
    Objects.requireNonNull(nonce, "nonce");
  }

  /** {@code sha256:} + hex of {@code body}: what {@link #bodyHash()} must be. */
  public static String bodyHash(byte[] body) {
    return Sha256.prefixed(Sha256.digest(body));
  }

  /** Signs this proof with the gateway's Ed25519 key. */
  public String sign(SigningKey gatewayKey) {
    return CompactJws.sign(TYPE, CanonicalJson.encode(toJson()), gatewayKey);
  }

  public ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("grant_id", grantId);
    n.put("tool", tool);
    n.put("method", method);
    n.put("path", path);
    n.put("body_hash", bodyHash);
    n.put("issued_at", issuedAt.toString());
    n.put("nonce", nonce);
    return n;
  }

  /**
   * Verifies the signature with a pinned gateway key and reads the claims. The caller still
   * compares the claims with the request and checks {@link #issuedAt()}.
   *
   * @throws GrantRejectedException {@code gateway_proof_invalid}; the message says why (the JWS
   *     code, or the malformed claim)
   */
  public static GatewayProof verify(String compact, Function<KeyId, Optional<VerifyingKey>> trustedGatewayKeys)
      throws GrantRejectedException {
    CompactJws.Verified v;
    try {
      v = CompactJws.verify(compact, TYPE, trustedGatewayKeys);
    } catch (CompactJws.Rejected e) {
      throw new GrantRejectedException("gateway_proof_invalid", "gateway proof refused (" + e.code() + "): " + e.getMessage());
    }
    try {
      JsonNode n = StrictJson.parse(v.payload());
      Set<String> names = new TreeSet<>();
      n.fieldNames().forEachRemaining(names::add);
      if (!names.equals(FIELDS)) {
        throw new GrantRejectedException("gateway_proof_invalid", "gateway proof claims must be exactly " + FIELDS);
      }
      return new GatewayProof(text(n, "grant_id"), text(n, "tool"), text(n, "method"), text(n, "path"),
          text(n, "body_hash"), Instant.parse(text(n, "issued_at")), text(n, "nonce"));
    } catch (GrantRejectedException e) {
      throw e;
    } catch (DateTimeParseException | IllegalArgumentException e) {
      throw new GrantRejectedException("gateway_proof_invalid", "gateway proof claims are malformed");
    }
  }

  private static String text(JsonNode n, String field) throws GrantRejectedException {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new GrantRejectedException("gateway_proof_invalid", "gateway proof claim `" + field + "` must be a string");
    }
    return v.asText();
  }
}
