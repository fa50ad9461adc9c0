package dev.arbiter.server.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.arbiter.server.identity.TokenRejectedException.Reason;
import java.net.MalformedURLException;
import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Verifies OIDC access tokens (JWS, compact form) from one configured issuer and turns them into a
 * {@link Principal}. Thread-safe; build one per issuer with {@link #discover}.
 *
 * <p>Order, each step refusing with a stable {@link Reason}:
 *
 * <ol>
 *   <li>impossible input (empty, over 16 KiB, not a compact JWS): {@code MALFORMED}; an unsecured
 *       ({@code alg: none}) token: {@code ALGORITHM_NOT_ALLOWED};
 *   <li>the header's {@code alg} must be one of the configured algorithms: the token only selects
 *       among them, so HMAC with a public key as secret can never be tried;
 *   <li>the <em>claimed</em> {@code iss} must equal the configured issuer, checked before any key
 *       lookup so that foreign tokens cannot trigger JWKS fetches (it is trusted only after step 5);
 *   <li>keys are taken from the issuer's JWKS only (cached; an unknown {@code kid} triggers one
 *       rate-limited refresh). No key: {@code UNKNOWN_KEY}; the JWKS unreachable with no cached
 *       match: {@code IDP_UNAVAILABLE} — never stale trust. {@code jwk}, {@code jku}, {@code x5u}
 *       headers are ignored;
 *   <li>the signature must verify with one of the selected keys: {@code BAD_SIGNATURE};
 *   <li>{@code aud} contains the audience, {@code exp} (required) not passed, {@code nbf} and
 *       {@code iat} not in the future, all with the configured skew, against the injected clock;
 *   <li>{@code sub} present and non-blank.
 * </ol>
 *
 * <p>A token that passed all of these is remembered in a {@link VerifiedTokenCache} (by SHA-256 of
 * the token; default 60 s and 50,000 tokens) and served from it, without the signature check, while
 * the injected clock is before both its {@code exp} and the cache TTL. Consequence: a key removed
 * from the JWKS keeps verifying tokens already cached for at most the TTL. {@link
 * VerifiedTokenCache#DISABLED} turns this off.
 */
public final class TokenVerifier implements Authenticator {

  static final int MAX_TOKEN_CHARS = 16 * 1024;
  private static final int JWKS_TIMEOUT_MILLIS = 2_000;
  private static final int JWKS_SIZE_LIMIT = 256 * 1024;
  /** X.509 SubjectPublicKeyInfo prefix of a raw 32-byte Ed25519 public key (RFC 8410). */
  private static final byte[] ED25519_SPKI_PREFIX = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
  };

  private final IdentityConfig config;
  private final Clock clock;
  private final JWKSource<SecurityContext> trustedKeys;
  private final RoleMapping roles;
  private final VerifiedTokenCache verifiedTokens;
  private final WatchedRetriever jwks;

  private TokenVerifier(IdentityConfig config, Clock clock, JWKSource<SecurityContext> keys, WatchedRetriever jwks,
      VerifiedTokenCache.Settings cache) {
    this.config = config;
    this.clock = clock;
    this.trustedKeys = keys;
    this.jwks = jwks;
    this.roles = new RoleMapping(config);
    this.verifiedTokens = new VerifiedTokenCache(cache);
  }

  /**
   * Runs OIDC discovery for {@code config.issuer()} and builds a verifier trusting that issuer's
   * JWKS. Keys are fetched on first use.
   *
   * @throws TokenRejectedException {@code IDP_UNAVAILABLE} when discovery cannot be read, {@code
   *     WRONG_ISSUER} when the provider names another issuer (a configuration error)
   */
  public static TokenVerifier discover(IdentityConfig config, Clock clock)
      throws TokenRejectedException {
    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    return discover(config, clock, http);
  }

  /** As {@link #discover(IdentityConfig, Clock)} with the given client for discovery. */
  public static TokenVerifier discover(IdentityConfig config, Clock clock, HttpClient http)
      throws TokenRejectedException {
    return discover(config, clock, http, VerifiedTokenCache.DEFAULTS);
  }

  /**
   * As {@link #discover(IdentityConfig, Clock)} with the given client and verified-token cache
   * settings ({@link VerifiedTokenCache#DEFAULTS}: 60 s, 50,000 tokens; {@link
   * VerifiedTokenCache#DISABLED}: every token verified in full).
   */
  public static TokenVerifier discover(IdentityConfig config, Clock clock, HttpClient http,
      VerifiedTokenCache.Settings cache) throws TokenRejectedException {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(cache, "cache");
    Objects.requireNonNull(clock, "clock");
    OidcDiscovery.Metadata metadata = OidcDiscovery.fetch(config.issuer(), http);
    JWKSource<SecurityContext> keys;
    WatchedRetriever jwks = new WatchedRetriever(
        new DefaultResourceRetriever(JWKS_TIMEOUT_MILLIS, JWKS_TIMEOUT_MILLIS, JWKS_SIZE_LIMIT) {
          @Override
          protected java.net.HttpURLConnection openHTTPConnection(java.net.URL url) throws java.io.IOException {
            // Keys only from the jwks_uri discovery named (review: HttpURLConnection follows same-scheme
            // redirects, so plain http on loopback could lead to plain http anywhere).
            java.net.HttpURLConnection c = super.openHTTPConnection(url);
            c.setInstanceFollowRedirects(false);
            return c;
          }
        });
    try {
      keys =
          JWKSourceBuilder.<SecurityContext>create(metadata.jwksUri().toURL(), jwks)
              .cache(config.jwksCacheTtl().toMillis(), JWKS_TIMEOUT_MILLIS * 2L)
              .refreshAheadCache(false)
              .rateLimited(config.jwksRefreshInterval().toMillis())
              .retrying(false)
              .outageTolerant(false)
              .build();
    } catch (MalformedURLException e) {
      throw new TokenRejectedException(
          Reason.IDP_UNAVAILABLE, "jwks_uri " + metadata.jwksUri() + " is not a URL", e);
    }
    return new TokenVerifier(config, clock, keys, jwks, cache);
  }

  @Override
  public boolean issuerReachable() {
    return !jwks.unreachable();
  }

  /**
   * Verifies {@code bearerToken} (the credential only, without the {@code Bearer } prefix).
   *
   * @return the authenticated caller; the caller must still check level and domain against what
   *     it is about to allow
   * @throws TokenRejectedException with a stable reason; its message never contains the token
   */
  @Override
  public Principal authenticate(String bearerToken) throws TokenRejectedException {
    return verify(bearerToken);
  }

  public Principal verify(String bearerToken) throws TokenRejectedException {
    if (bearerToken == null || bearerToken.isEmpty() || bearerToken.length() > MAX_TOKEN_CHARS) {
      parse(bearerToken); // throws MALFORMED with the reason
    }
    java.nio.ByteBuffer key = VerifiedTokenCache.keyOf(bearerToken);
    Optional<Principal> hit = verifiedTokens.get(key, clock.instant());
    if (hit.isPresent()) {
      return hit.get();
    }
    SignedJWT jwt = parse(bearerToken);
    JWSHeader header = jwt.getHeader();
    JWSAlgorithm alg = header.getAlgorithm();
    if (!config.allowedAlgorithms().contains(alg)) {
      throw new TokenRejectedException(
          Reason.ALGORITHM_NOT_ALLOWED,
          "alg `" + alg + "` is not one of " + config.allowedAlgorithms());
    }
    JWTClaimsSet untrustedClaims = claims(jwt);
    String claimedIssuer = untrustedClaims.getIssuer();
    if (!config.issuer().toString().equals(claimedIssuer)) {
      throw new TokenRejectedException(
          Reason.WRONG_ISSUER, "iss `" + claimedIssuer + "`, want `" + config.issuer() + "`");
    }
    List<JWK> candidates = selectKeys(header);
    verifySignature(jwt, candidates);
    JWTClaimsSet verified = untrustedClaims;
    checkClaims(verified);
    Object roleClaim = claimAt(verified, config.rolesClaim());
    Principal principal = roles.principal(verified.getSubject(), roleClaim);
    verifiedTokens.put(key, principal, verified.getExpirationTime().toInstant(), clock.instant());
    return principal;
  }

  /**
   * The roles claim: a top-level claim of exactly that name (namespaced ones such as {@code
   * https://example.com/roles} included), else a dotted path into nested objects, as Keycloak's {@code
   * realm_access.roles}. Absent: null (no roles).
   */
  static Object claimAt(JWTClaimsSet claims, String name) {
    Object v = claims.getClaim(name);
    if (v != null || name.indexOf('.') < 0) {
      return v;
    }
    Object at = claims.getClaims();
    for (String part : name.split("\\.", -1)) {
      if (!(at instanceof java.util.Map<?, ?> m)) {
        return null;
      }
      at = m.get(part);
    }
    return at;
  }

  /** Tokens currently in the verified-token cache (tests, diagnostics). */
  int cachedTokens() {
    return verifiedTokens.size();
  }

  private static SignedJWT parse(String token) throws TokenRejectedException {
    if (token == null || token.isEmpty()) {
      throw new TokenRejectedException(Reason.MALFORMED, "no token");
    }
    if (token.length() > MAX_TOKEN_CHARS) {
      throw new TokenRejectedException(
          Reason.MALFORMED, "token of " + token.length() + " chars, max " + MAX_TOKEN_CHARS);
    }
    JWT jwt;
    try {
      jwt = JWTParser.parse(token);
    } catch (ParseException | RuntimeException e) {
      throw new TokenRejectedException(Reason.MALFORMED, "not a compact JWT", e);
    }
    return switch (jwt) {
      case SignedJWT signed -> signed;
      case PlainJWT plain ->
          throw new TokenRejectedException(
              Reason.ALGORITHM_NOT_ALLOWED, "unsecured token (alg `none`)");
      case EncryptedJWT encrypted ->
          throw new TokenRejectedException(Reason.MALFORMED, "encrypted tokens are not accepted");
      default -> throw new TokenRejectedException(Reason.MALFORMED, "unknown JWT type");
    };
  }

  private static JWTClaimsSet claims(SignedJWT jwt) throws TokenRejectedException {
    try {
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      // Touch every typed claim once so that a wrong type is MALFORMED here, not an exception later.
      claims.getIssuer();
      claims.getSubject();
      claims.getAudience();
      claims.getExpirationTime();
      claims.getNotBeforeTime();
      claims.getIssueTime();
      return claims;
    } catch (ParseException | RuntimeException e) {
      throw new TokenRejectedException(Reason.MALFORMED, "payload is not a JWT claims set", e);
    }
  }

  private List<JWK> selectKeys(JWSHeader header) throws TokenRejectedException {
    List<JWK> keys;
    try {
      keys = trustedKeys.get(new JWKSelector(JWKMatcher.forJWSHeader(header)), null);
    } catch (RateLimitReachedException e) {
      if (jwks.unreachable()) {
        // No refresh now, and the last one failed: the issuer may well have this key. An outage, not a
        // verdict on the token (black-box run: 401 unknown_key for most calls of an IdP outage).
        throw new TokenRejectedException(Reason.IDP_UNAVAILABLE,
            "issuer JWKS unreachable at its last fetch and no cached key matches", e);
      }
      throw unknownKey(header, " (JWKS refresh rate limit reached)");
    } catch (KeySourceException e) {
      throw new TokenRejectedException(
          Reason.IDP_UNAVAILABLE, "issuer JWKS unreachable and no cached key matches", e);
    }
    if (keys == null || keys.isEmpty()) {
      throw unknownKey(header, "");
    }
    return keys;
  }

  /** The JWKS fetcher, remembering whether its latest fetch failed. */
  private static final class WatchedRetriever implements com.nimbusds.jose.util.ResourceRetriever {
    private final com.nimbusds.jose.util.ResourceRetriever inner;
    private volatile boolean unreachable;

    WatchedRetriever(com.nimbusds.jose.util.ResourceRetriever inner) {
      this.inner = inner;
    }

    @Override
    public com.nimbusds.jose.util.Resource retrieveResource(java.net.URL url) throws java.io.IOException {
      try {
        com.nimbusds.jose.util.Resource r = inner.retrieveResource(url);
        unreachable = false;
        return r;
      } catch (java.io.IOException | RuntimeException e) {
        unreachable = true;
        throw e;
      }
    }

    boolean unreachable() {
      return unreachable;
    }
  }

  private static TokenRejectedException unknownKey(JWSHeader header, String detail) {
    return new TokenRejectedException(
        Reason.UNKNOWN_KEY,
        "no key in the issuer's JWKS for kid `"
            + header.getKeyID()
            + "` and alg `"
            + header.getAlgorithm()
            + "`"
            + detail);
  }

  private static void verifySignature(SignedJWT jwt, List<JWK> candidates)
      throws TokenRejectedException {
    for (JWK key : candidates) {
      if (verifiesWith(jwt, key)) {
        return;
      }
    }
    throw new TokenRejectedException(
        Reason.BAD_SIGNATURE,
        "signature does not verify with any of "
            + candidates.size()
            + " key(s) for kid `"
            + jwt.getHeader().getKeyID()
            + "`");
  }

  private static boolean verifiesWith(SignedJWT jwt, JWK key) {
    try {
      return switch (key) {
        case RSAKey rsa -> jwt.verify(new RSASSAVerifier(rsa));
        case ECKey ec -> jwt.verify(new ECDSAVerifier(ec));
        case OctetKeyPair okp -> verifyEd25519(jwt, okp);
        default -> false;
      };
    } catch (JOSEException | GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  /** Ed25519 through the JDK provider (Nimbus' own EdDSA verifier needs Tink). */
  private static boolean verifyEd25519(SignedJWT jwt, OctetKeyPair okp)
      throws GeneralSecurityException {
    if (!JWSAlgorithm.EdDSA.equals(jwt.getHeader().getAlgorithm())
        || !Curve.Ed25519.equals(okp.getCurve())) {
      return false;
    }
    byte[] raw = okp.getDecodedX();
    if (raw.length != 32) {
      return false;
    }
    byte[] spki = new byte[ED25519_SPKI_PREFIX.length + raw.length];
    System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
    System.arraycopy(raw, 0, spki, ED25519_SPKI_PREFIX.length, raw.length);
    PublicKey publicKey = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
    Signature verifier = Signature.getInstance("Ed25519");
    verifier.initVerify(publicKey);
    verifier.update(jwt.getSigningInput());
    return verifier.verify(jwt.getSignature().decode());
  }

  private void checkClaims(JWTClaimsSet claims) throws TokenRejectedException {
    List<String> audience = claims.getAudience();
    if (audience == null || !audience.contains(config.audience())) {
      throw new TokenRejectedException(
          Reason.WRONG_AUDIENCE, "aud " + audience + ", want `" + config.audience() + "`");
    }
    Instant now = clock.instant();
    Duration skew = config.clockSkew();
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      throw new TokenRejectedException(Reason.MALFORMED, "exp claim is required");
    }
    if (!now.isBefore(exp.toInstant().plus(skew))) {
      throw new TokenRejectedException(
          Reason.EXPIRED, "exp " + exp.toInstant() + " + skew " + skew + " is not after " + now);
    }
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && now.plus(skew).isBefore(nbf.toInstant())) {
      throw new TokenRejectedException(
          Reason.NOT_YET_VALID, "nbf " + nbf.toInstant() + " is after " + now + " + skew " + skew);
    }
    Date iat = claims.getIssueTime();
    if (iat != null && iat.toInstant().isAfter(now.plus(skew))) {
      throw new TokenRejectedException(
          Reason.NOT_YET_VALID, "iat " + iat.toInstant() + " is after " + now + " + skew " + skew);
    }
    String subject = claims.getSubject();
    if (subject == null || subject.isBlank()) {
      throw new TokenRejectedException(Reason.MISSING_SUBJECT, "sub claim is missing or blank");
    }
  }
}
