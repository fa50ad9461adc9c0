package dev.arbiter.gateway.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.canonical.StrictJson;
import dev.arbiter.core.crypto.KeyId;
import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.core.grant.Grant;
import dev.arbiter.core.grant.GrantRejectedException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Verifies, inside a tool, that a request came through the Arbiter gateway with a valid grant for
 * exactly this call. Public keys only: nothing here can sign, and nothing in a request can add a
 * trusted key.
 *
 * <p>Usage in a tool (Javalin shown; any framework works, the header lookup is a function):
 *
 * <pre>{@code
 * GrantVerifier verifier = new GrantVerifier(
 *     List.of(VerifyingKey.load(Path.of("engine.pub.pem"))),
 *     VerifyingKey.load(Path.of("ledger.pub.pem")),
 *     List.of(VerifyingKey.load(Path.of("gateway.pub.pem"))),
 *     "deployer", Clock.systemUTC(), Duration.ofSeconds(30));
 *
 * app.post("/execute", ctx -> {
 *   String target = ctx.queryString() == null ? ctx.path() : ctx.path() + "?" + ctx.queryString();
 *   VerifiedCall call;
 *   try {
 *     // headers first: an ungoverned caller is refused before the tool reads its body
 *     GrantVerifier.VerifiedHeaders checked = verifier.verifyHeaders(ctx.method().name(), target, ctx::header);
 *     call = checked.verifyBody(ctx.bodyAsBytes());
 *   } catch (GrantRejectedException e) {
 *     ctx.status(403).json(Map.of("reason", e.code()));   // refuse: not a governed call
 *     return;
 *   }
 *   // one execution per grant and per decision (a decision may be granted again after a grant expired)
 *   if (!executed.claim(call.grant().grantId(), call.grant().decisionId())) { ... refuse the replay ... }
 *   deploy(call.payload());
 * });
 * }</pre>
 *
 * <p>Header size: a tool must accept at least 8 KiB of request headers (the gateway forwards grants
 * of up to 6 KiB, {@code ToolCallHandler.MAX_GRANT_CHARS}, plus its proof of ~0.6 KB); Jetty's and
 * Javalin's default is exactly 8 KiB, and the bundled sample tool takes 16 KiB.
 *
 * <p>Checks, in this order, each failure a {@link GrantRejectedException} with a stable {@link
 * GrantRejectedException#code() code}:
 *
 * <ol>
 *   <li>{@code gateway_proof_missing}, {@code gateway_proof_invalid}: the {@value
 *       GatewayProof#HEADER} header is present and signed by a pinned gateway key;
 *   <li>{@code grant_missing}, then the grant codes ({@code malformed}, {@code wrong_type}, {@code
 *       algorithm_not_allowed}, {@code unknown_key}, {@code bad_signature}, {@code not_yet_valid},
 *       {@code expired}) and {@code receipt_invalid}: the {@value GatewayProof#GRANT_HEADER} header
 *       holds a grant signed by a pinned engine key, inside its validity window (± skew), whose ledger
 *       receipt verifies under the pinned ledger key;
 *   <li>{@code tool_mismatch}: the grant is for this tool;
 *   <li>{@code request_mismatch}: the proof is for this grant, this tool, this method and this
 *       request target (a request with a query string is refused: the gateway never forwards one);
 *   <li>{@code proof_stale}: the proof was issued within ±{@value #PROOF_WINDOW_SECONDS} s of now
 *       (these first checks need no body: {@link #verifyHeaders});
 *   <li>{@code request_mismatch}: the body is exactly the bytes the proof signed;
 *   <li>{@code payload_mismatch}: the body is strict JSON whose canonical hash is the grant's {@code
 *       payload_hash}, and is that canonical (RFC 8785) form byte for byte, as the gateway forwards it:
 *       the tool parses exactly the bytes the grant binds, never another spelling of them that its
 *       own parser might read differently.
 * </ol>
 *
 * <p>What the caller must still do: refuse a second execution of a {@code grant_id} or of a {@code
 * decision_id} (see {@link VerifiedCall}).
 * Immutable and thread-safe.
 */
public final class GrantVerifier {
  /** How far a proof's {@code issued_at} may be from the tool's clock. */
  public static final long PROOF_WINDOW_SECONDS = 60;

  private final OfflineGrantCheck grants;
  private final Map<KeyId, VerifyingKey> gatewayKeys;
  private final String tool;

  /**
   * @param trustedEngineKeys engine keys that sign grants (at least one)
   * @param trustedLedgerKey the ledger's checkpoint key
   * @param trustedGatewayKeys gateway keys that sign proofs (at least one)
   * @param tool this tool's registered name; grants for other tools are refused
   * @param clock the tool's clock
   * @param skew tolerated clock difference for the grant's validity window (0 to 5 min)
   */
  public GrantVerifier(Collection<VerifyingKey> trustedEngineKeys, VerifyingKey trustedLedgerKey,
      Collection<VerifyingKey> trustedGatewayKeys, String tool, Clock clock, Duration skew) {
    this.grants = new OfflineGrantCheck(trustedEngineKeys, trustedLedgerKey, clock, skew);
    Objects.requireNonNull(trustedGatewayKeys, "trustedGatewayKeys");
    if (trustedGatewayKeys.isEmpty()) {
      throw new IllegalArgumentException("at least one trusted gateway key is required");
    }
    for (VerifyingKey k : trustedGatewayKeys) {
      if (k.algorithm() != dev.arbiter.core.crypto.KeyAlgorithm.ED25519) {
        throw new IllegalArgumentException("a gateway key signs proofs (JWS EdDSA) and must be Ed25519; "
            + k.keyId() + " is " + k.algorithm().wireName());
      }
    }
    this.gatewayKeys = trustedGatewayKeys.stream().collect(Collectors.toUnmodifiableMap(VerifyingKey::keyId, k -> k, (a, b) -> a));
    if (tool == null || tool.isBlank()) {
      throw new IllegalArgumentException("tool name is required");
    }
    this.tool = tool;
  }

  /**
   * Verifies one request as the tool received it: {@link #verifyHeaders} and then {@link
   * VerifiedHeaders#verifyBody}. A tool that reads the body only after the headers verify (as the
   * sample tool does) gives an ungoverned caller nothing to hold: it is refused before it sends a byte
   * of body.
   *
   * @param method the HTTP method, e.g. {@code POST}
   * @param requestTarget the request target as received: the path, and {@code ?} and the query when the
   *     request has one, not decoded (e.g. {@code /execute}). The gateway never forwards a query, so a
   *     request with one is refused: a tool must not act on input that no signature covers. Headers
   *     other than the grant and the proof are not covered either: a tool must not act on them.
   * @param headers header lookup by name (case-insensitive, as HTTP requires); null when absent
   * @param body the raw body bytes as received
   * @return the verified grant, proof and payload
   * @throws GrantRejectedException with one of the codes listed on the class
   */
  public VerifiedCall verify(String method, String requestTarget, Function<String, String> headers, byte[] body)
      throws GrantRejectedException {
    Objects.requireNonNull(body, "body");
    return verifyHeaders(method, requestTarget, headers).verifyBody(body);
  }

  /**
   * The checks that need no body: the gateway proof, the grant, the tool, and that the proof is for
   * this grant, tool, method and request target, issued within the window. What is left is {@link
   * VerifiedHeaders#verifyBody}.
   *
   * @param method the HTTP method, e.g. {@code POST}
   * @param requestTarget see {@link #verify}
   * @param headers header lookup by name (case-insensitive); null when absent
   * @throws GrantRejectedException with one of the codes listed on the class
   */
  public VerifiedHeaders verifyHeaders(String method, String requestTarget, Function<String, String> headers)
      throws GrantRejectedException {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(requestTarget, "requestTarget");
    Objects.requireNonNull(headers, "headers");
    String proofCompact = headers.apply(GatewayProof.HEADER);
    if (proofCompact == null || proofCompact.isBlank()) {
      throw new GrantRejectedException("gateway_proof_missing", "no " + GatewayProof.HEADER + " header: the call did not come through the gateway");
    }
    GatewayProof proof = GatewayProof.verify(proofCompact, id -> Optional.ofNullable(gatewayKeys.get(id)));
    String grantCompact = headers.apply(GatewayProof.GRANT_HEADER);
    if (grantCompact == null || grantCompact.isBlank()) {
      throw new GrantRejectedException("grant_missing", "no " + GatewayProof.GRANT_HEADER + " header");
    }
    Grant grant = grants.verify(grantCompact);
    if (!grant.tool().equals(tool)) {
      throw new GrantRejectedException("tool_mismatch", "grant " + grant.grantId() + " is for tool `" + grant.tool()
          + "`, this is `" + tool + "`");
    }
    requireMatch("grant_id", proof.grantId(), grant.grantId());
    requireMatch("tool", proof.tool(), tool);
    requireMatch("method", proof.method(), method);
    if (requestTarget.indexOf('?') >= 0) {
      throw new GrantRejectedException("request_mismatch", "the request has a query string; the gateway never "
          + "forwards one, and nothing signed covers it");
    }
    requireMatch("path", proof.path(), requestTarget);
    Instant now = grants.clock().instant();
    if (Duration.between(proof.issuedAt(), now).abs().compareTo(Duration.ofSeconds(PROOF_WINDOW_SECONDS)) > 0) {
      throw new GrantRejectedException("proof_stale", "gateway proof issued at " + proof.issuedAt() + ", now is " + now);
    }
    return new VerifiedHeaders(grant, proof);
  }

  /** A call whose headers verified ({@link #verifyHeaders}); its body is checked by {@link #verifyBody}. */
  public static final class VerifiedHeaders {
    private final Grant grant;
    private final GatewayProof proof;

    private VerifiedHeaders(Grant grant, GatewayProof proof) {
      this.grant = grant;
      this.proof = proof;
    }

    /** The verified grant (not yet matched against a body). */
    public Grant grant() {
      return grant;
    }

    /**
     * Checks the body: exactly the bytes the proof signed ({@code request_mismatch} otherwise), strict
     * JSON in canonical form whose hash is the grant's {@code payload_hash} ({@code payload_mismatch}).
     */
    public VerifiedCall verifyBody(byte[] body) throws GrantRejectedException {
      Objects.requireNonNull(body, "body");
      requireMatch("body_hash", proof.bodyHash(), GatewayProof.bodyHash(body));
      JsonNode payload;
      try {
        payload = StrictJson.parse(body);
      } catch (RuntimeException e) {
        throw new GrantRejectedException("payload_mismatch", "the body is not strict JSON: " + e.getMessage());
      }
      byte[] canonical;
      try {
        canonical = CanonicalJson.encode(payload);
      } catch (RuntimeException e) { // no canonical form (e.g. a number outside IEEE 754 double)
        throw new GrantRejectedException("payload_mismatch", "the body has no canonical JSON form: " + e.getMessage());
      }
      String got = Grant.canonicalPayloadHash(canonical);
      if (!got.equals(grant.payloadHash())) {
        throw new GrantRejectedException("payload_mismatch", "grant " + grant.grantId() + " authorises payload "
            + grant.payloadHash() + ", the body is " + got);
      }
      if (!Arrays.equals(canonical, body)) {
        throw new GrantRejectedException("payload_mismatch", "the body is not in canonical (RFC 8785) form; the gateway "
            + "forwards exactly the canonical bytes the grant binds");
      }
      return new VerifiedCall(grant, proof, payload);
    }
  }

  private static void requireMatch(String claim, String inProof, String actual) throws GrantRejectedException {
    if (!inProof.equals(actual)) {
      String shown = actual.length() > 80 ? actual.substring(0, 80) + "…" : actual;
      throw new GrantRejectedException("request_mismatch", "gateway proof " + claim + " is `" + inProof
          + "`, the request has `" + shown + "`");
    }
  }
}
