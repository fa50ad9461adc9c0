package dev.arbiter.server.identity;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.javalin.Javalin;
import java.io.IOException;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local OIDC issuer for <b>development only</b> (the quickstart): discovery and a JWKS on {@code
 * http://127.0.0.1:PORT}, and {@link #mint} for access tokens that {@link TokenVerifier} accepts.
 * It authenticates nobody: whoever can call {@code mint} can be anyone with any role. Its log line,
 * its {@code /} page and its discovery document say {@value #NOTICE}.
 *
 * <p><b>Refuses to start under a production configuration</b> ({@link ProductionGuard}): when the
 * environment has {@code ARBITER_ENV=production} (case-insensitive), or its directory holds a file
 * {@code production.marker} (any content), or an {@code arbiter.yaml} with a line {@code
 * environment: production} (quotes and a trailing comment allowed, at any indentation).
 *
 * <p>Tokens: JWS compact, header {@code {alg: ES256, typ: at+jwt, kid}}, claims {@code iss} (the
 * issuer URL), {@code aud} (configured, default {@value #DEFAULT_AUDIENCE}), {@code sub}, {@code
 * iat}, {@code nbf}, {@code exp}, {@code jti} (128 random bits), {@code roles} (array of strings).
 * The ES256 key is kept in {@code DIR/}{@value DevIssuerKey#FILE_NAME} (a private JWK, mode 0600),
 * so that a restart on the same port keeps earlier tokens valid; see {@link DevIssuerKey}.
 *
 * <p>Lifecycle: {@code new DevIssuer(...)} does no I/O; {@link #start(int)} checks the
 * configuration, loads or creates the key and binds; {@link #close()} stops the listener.
 */
public final class DevIssuer implements AutoCloseable {
  public static final String NOTICE = "DEVELOPMENT ISSUER — not for production";
  public static final String DEFAULT_AUDIENCE = "arbiter";
  public static final String ROLES_CLAIM = "roles";
  public static final Duration MAX_TTL = Duration.ofDays(1);
  static final String HOST = "127.0.0.1";

  private static final Logger LOG = LoggerFactory.getLogger(DevIssuer.class);

  private final java.nio.file.Path dir;
  private final String audience;
  private final Map<String, String> env;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  private Javalin app;
  private ECDSASigner signer;
  private ECKey publicJwk;
  private URI issuer;

  /**
   * @param dir the directory holding the key file (created 0700 if missing) and checked for a
   *     production configuration
   * @param audience the {@code aud} of minted tokens (non-blank; {@value #DEFAULT_AUDIENCE} for the
   *     quickstart)
   * @param env the process environment ({@code System.getenv()}), checked for {@code ARBITER_ENV}
   * @param clock the clock for {@code iat}, {@code nbf} and {@code exp}
   */
  public DevIssuer(java.nio.file.Path dir, String audience, Map<String, String> env, Clock clock) {
    this.dir = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
    this.audience = Objects.requireNonNull(audience, "audience");
    this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
    this.clock = Objects.requireNonNull(clock, "clock");
    if (audience.isBlank()) {
      throw new IllegalArgumentException("dev issuer audience must not be blank");
    }
  }

  /**
   * Checks that no production configuration is present, loads or creates the signing key and serves
   * discovery and the JWKS on {@code 127.0.0.1:port} (0 picks a free port).
   *
   * @throws DevIssuerRefusedException under a production configuration, or when the key file is
   *     readable by group or others, is not a regular file, or does not hold a P-256 private JWK;
   *     nothing is created or bound then
   * @throws IOException when the directory or key file cannot be read or written
   */
  public synchronized DevIssuer start(int port) throws DevIssuerRefusedException, IOException {
    if (app != null) {
      throw new IllegalStateException("dev issuer already started");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, got " + port);
    }
    ProductionGuard.refuseIfProduction(dir, env);
    ECKey key = DevIssuerKey.loadOrCreate(dir, random);
    try {
      signer = new ECDSASigner(key);
    } catch (JOSEException e) {
      throw new DevIssuerRefusedException(DevIssuerKey.file(dir) + ": not a usable ES256 key", e);
    }
    publicJwk = key.toPublicJWK();
    Javalin server = Javalin.create(cfg -> {
      cfg.showJavalinBanner = false;
      cfg.startupWatcherEnabled = false;
      dev.arbiter.http.AcceptQueue.apply(cfg);
    });
    server.get("/", ctx -> ctx.contentType("text/plain; charset=utf-8").result(NOTICE + "\n"
        + "Arbiter's local OIDC issuer for the quickstart. It authenticates nobody: any process that can\n"
        + "mint tokens with it can act as anyone. Discovery: /.well-known/openid-configuration\n"));
    server.get("/.well-known/openid-configuration", ctx ->
        ctx.contentType("application/json").result(discovery().toString()));
    server.get("/jwks", ctx -> ctx.contentType("application/jwk-set+json")
        .result(new JWKSet(publicJwk).toString(true)));
    try {
      server.start(HOST, port);
    } catch (RuntimeException e) {
      throw new IOException("dev issuer cannot listen on " + HOST + ":" + port + ": " + e.getMessage(), e);
    }
    app = server;
    issuer = URI.create("http://" + HOST + ":" + server.port());
    LOG.warn("{}: issuer {} (key {} in {})", NOTICE, issuer, publicJwk.getKeyID(), DevIssuerKey.file(dir));
    return this;
  }

  private ObjectNode discovery() {
    ObjectNode d = JsonNodeFactory.instance.objectNode();
    d.put("issuer", issuer.toString());
    d.put("jwks_uri", issuer + "/jwks");
    d.putArray("id_token_signing_alg_values_supported").add(JWSAlgorithm.ES256.getName());
    d.putArray("response_types_supported").add("token");
    d.putArray("subject_types_supported").add("public");
    d.put("arbiter_notice", NOTICE);
    return d;
  }

  /** The issuer URL ({@code http://127.0.0.1:PORT}, no trailing slash); tokens carry it as {@code iss}. */
  public synchronized URI issuer() {
    requireStarted();
    return issuer;
  }

  /** The JWK thumbprint (RFC 7638) of the signing key: the {@code kid} of every token. */
  public synchronized String keyId() {
    requireStarted();
    return publicJwk.getKeyID();
  }

  /**
   * Issues an access token. The returned string is a credential: never log it.
   *
   * @param subject the {@code sub}, non-blank
   * @param roles the {@code roles} claim, in order (may be empty)
   * @param ttl positive and at most {@link #MAX_TTL}
   */
  public synchronized String mint(String subject, List<String> roles, Duration ttl) {
    requireStarted();
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(ttl, "ttl");
    List<String> roleList = List.copyOf(Objects.requireNonNull(roles, "roles"));
    if (subject.isBlank()) {
      throw new IllegalArgumentException("subject must not be blank");
    }
    if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException("ttl must be positive and at most " + MAX_TTL + ", got " + ttl);
    }
    Instant now = clock.instant();
    byte[] jti = new byte[16];
    random.nextBytes(jti);
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .issuer(issuer.toString())
        .audience(audience)
        .subject(subject)
        .issueTime(Date.from(now))
        .notBeforeTime(Date.from(now))
        .expirationTime(Date.from(now.plus(ttl)))
        .jwtID(Base64.getUrlEncoder().withoutPadding().encodeToString(jti))
        .claim(ROLES_CLAIM, roleList)
        .build();
    SignedJWT jwt = new SignedJWT(
        new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType("at+jwt")).keyID(publicJwk.getKeyID()).build(),
        claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("ES256 signing failed with the dev issuer key " + publicJwk.getKeyID(), e);
    }
    return jwt.serialize();
  }

  private void requireStarted() {
    if (app == null) {
      throw new IllegalStateException("dev issuer not started");
    }
  }

  /** Stops the listener; idempotent. Tokens stay valid for a later start on the same port. */
  @Override
  public synchronized void close() {
    if (app != null) {
      app.stop();
      app = null;
      signer = null;
    }
  }

  @Override
  public String toString() {
    return "DevIssuer[" + (issuer == null ? "not started" : issuer) + ", " + NOTICE + "]";
  }
}
