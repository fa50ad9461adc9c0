package dev.arbiter.server.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.arbiter.core.authority.AuthorityLevel;
import dev.arbiter.server.identity.TokenRejectedException.Reason;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.http.OAuth2HttpRequest;
import no.nav.security.mock.oauth2.http.OAuth2HttpResponse;
import no.nav.security.mock.oauth2.http.Route;
import okhttp3.Headers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every attack is attempted for real against a real OIDC server (discovery and JWKS over HTTP on a
 * random port) and must be refused with its reason code.
 */
class TokenVerifierTest {

  private static final String AUDIENCE = "arbiter";
  private static final String ISSUER_ID = "default";
  private static final String ROTATING_ID = "rotating";

  private static MockOAuth2Server idp;
  /** Extra keys the "rotating" issuer serves beside its own, added by tests to rotate keys. */
  private static final List<JWK> rotatedKeys = new CopyOnWriteArrayList<>();

  private static final AtomicInteger rotatingJwksFetches = new AtomicInteger();

  @BeforeAll
  static void startIdp() {
    OAuth2Config config = new OAuth2Config();
    Route rotatingJwks =
        new Route() {
          @Override
          public boolean match(OAuth2HttpRequest request) {
            return request.getUrl().encodedPath().equals("/" + ROTATING_ID + "/jwks");
          }

          @Override
          public OAuth2HttpResponse invoke(OAuth2HttpRequest request) {
            rotatingJwksFetches.incrementAndGet();
            List<JWK> keys =
                new java.util.ArrayList<>(
                    config.getTokenProvider().publicJwkSet(ROTATING_ID).getKeys());
            keys.addAll(rotatedKeys);
            return new OAuth2HttpResponse(
                Headers.of("Content-Type", "application/json"),
                200,
                new JWKSet(keys).toString(true),
                null);
          }
        };
    idp = new MockOAuth2Server(config, rotatingJwks);
    idp.start();
  }

  @AfterAll
  static void stopIdp() {
    idp.shutdown();
  }

  private static IdentityConfig config(MockOAuth2Server server, String issuerId) {
    return IdentityConfig.of(
        URI.create(server.issuerUrl(issuerId).toString()),
        AUDIENCE,
        "roles",
        Map.of("payments-approver", AuthorityLevel.L3, "exec", AuthorityLevel.L5),
        Map.of("payments-approver", Set.of("payments"), "exec", Set.of("*")));
  }

  private static TokenVerifier verifier() throws TokenRejectedException {
    return TokenVerifier.discover(config(idp, ISSUER_ID), Clock.systemUTC());
  }

  private static String token(String subject, List<String> roles) {
    return idp.issueToken(ISSUER_ID, subject, AUDIENCE, Map.of("roles", roles), 3600).serialize();
  }

  private static Reason rejection(TokenVerifier verifier, String token) {
    TokenRejectedException e =
        assertThrows(TokenRejectedException.class, () -> verifier.verify(token));
    if (!token.isEmpty()) {
      assertThat(e.getMessage()).doesNotContain(token);
    }
    for (String part : token.split("\\.")) {
      if (part.length() > 8) {
        assertThat(e.getMessage()).doesNotContain(part);
      }
    }
    return e.reason();
  }

  private static JWTClaimsSet.Builder validClaims(String issuerId) {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .issuer(idp.issuerUrl(issuerId).toString())
        .audience(AUDIENCE)
        .subject("mallory")
        .claim("roles", List.of("exec"))
        .issueTime(Date.from(now))
        .notBeforeTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(600)));
  }

  private static String signRsa(RSAKey key, String kid, JWTClaimsSet claims) throws Exception {
    SignedJWT jwt =
        new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).build(), claims);
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  @Test
  void verify_whenValidToken_mapsLevelDomainsAndRoles() throws Exception {
    Principal p = verifier().verify(token("alice", List.of("payments-approver", "unmapped")));

    assertThat(p.subject()).isEqualTo("alice");
    assertThat(p.level()).contains(AuthorityLevel.L3);
    assertThat(p.domains()).containsExactly("payments");
    assertThat(p.roles()).containsExactly("payments-approver", "unmapped");
    assertThat(p.coversDomain("payments")).isTrue();
    assertThat(p.coversDomain("infra")).isFalse();
  }

  @Test
  void verify_readsTheConfiguredRolesClaim_topLevelOrANestedPath() throws Exception {
    IdentityConfig base = config(idp, ISSUER_ID);
    Map<String, Object> keycloak = Map.of("realm_access", Map.of("roles", List.of("exec")), "roles", List.of());
    String nested = idp.issueToken(ISSUER_ID, "dana", AUDIENCE, keycloak, 3600).serialize();
    String groups = idp.issueToken(ISSUER_ID, "erin", AUDIENCE, Map.of("groups", List.of("payments-approver")), 3600)
        .serialize();

    TokenVerifier realm = TokenVerifier.discover(IdentityConfig.of(base.issuer(), AUDIENCE, "realm_access.roles",
        base.roleLevels(), base.roleDomains()), Clock.systemUTC());
    assertThat(realm.verify(nested).level()).contains(AuthorityLevel.L5);
    TokenVerifier byGroups = TokenVerifier.discover(IdentityConfig.of(base.issuer(), AUDIENCE, "groups",
        base.roleLevels(), base.roleDomains()), Clock.systemUTC());
    assertThat(byGroups.verify(groups).level()).contains(AuthorityLevel.L3);
    assertThat(byGroups.verify(nested).level()).as("no groups claim: no roles").isEmpty();
    assertThat(verifier().verify(nested).level()).as("the default claim, roles, is empty here").isEmpty();
  }

  @Test
  void verify_whenSeveralRoles_highestLevelWinsAndDomainsUnite() throws Exception {
    Principal p = verifier().verify(token("carol", List.of("payments-approver", "exec")));

    assertThat(p.level()).contains(AuthorityLevel.L5);
    assertThat(p.domains()).containsExactlyInAnyOrder("payments", "*");
    assertThat(p.coversDomain("infra")).isTrue();
  }

  @Test
  void verify_whenAgentWithoutApproverRole_hasNoLevel() throws Exception {
    Principal p = verifier().verify(token("agent-7", List.of()));

    assertThat(p.level()).isEmpty();
    assertThat(p.domains()).isEmpty();
  }

  @Test
  void verify_whenAlgNone_throwsAlgorithmNotAllowed() throws Exception {
    Base64URL header = Base64URL.encode("{\"alg\":\"none\",\"typ\":\"JWT\"}");
    Base64URL payload = Base64URL.encode(validClaims(ISSUER_ID).build().toString());
    String token = header + "." + payload + ".";

    assertThat(rejection(verifier(), token)).isEqualTo(Reason.ALGORITHM_NOT_ALLOWED);
  }

  @Test
  void verify_whenHs256SignedWithRsaPublicKey_throwsAlgorithmNotAllowed() throws Exception {
    RSAKey published =
        idp.getConfig().getTokenProvider().publicJwkSet(ISSUER_ID).getKeys().get(0).toRSAKey();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(published.getKeyID()).build(),
            validClaims(ISSUER_ID).build());
    jwt.sign(new MACSigner(published.toPublicKey().getEncoded()));

    assertThat(rejection(verifier(), jwt.serialize())).isEqualTo(Reason.ALGORITHM_NOT_ALLOWED);
  }

  @Test
  void verify_whenExpired_throwsExpired() throws Exception {
    String expired =
        idp.issueToken(ISSUER_ID, "alice", AUDIENCE, Map.of("roles", List.of()), -120).serialize();

    assertThat(rejection(verifier(), expired)).isEqualTo(Reason.EXPIRED);
  }

  @Test
  void verify_expiryHonoursClockSkewOfInjectedClock() throws Exception {
    String token = token("alice", List.of());
    Instant exp = SignedJWT.parse(token).getJWTClaimsSet().getExpirationTime().toInstant();
    IdentityConfig config = config(idp, ISSUER_ID);

    TokenVerifier withinSkew =
        TokenVerifier.discover(config, Clock.fixed(exp.plusSeconds(29), ZoneOffset.UTC));
    TokenVerifier beyondSkew =
        TokenVerifier.discover(config, Clock.fixed(exp.plusSeconds(30), ZoneOffset.UTC));

    assertThat(withinSkew.verify(token).subject()).isEqualTo("alice");
    assertThat(rejection(beyondSkew, token)).isEqualTo(Reason.EXPIRED);
  }

  @Test
  void verify_whenNotBeforeIsInTheFuture_throwsNotYetValid() throws Exception {
    String token = token("alice", List.of());
    Instant nbf = SignedJWT.parse(token).getJWTClaimsSet().getNotBeforeTime().toInstant();
    TokenVerifier early =
        TokenVerifier.discover(
            config(idp, ISSUER_ID), Clock.fixed(nbf.minusSeconds(31), ZoneOffset.UTC));

    assertThat(rejection(early, token)).isEqualTo(Reason.NOT_YET_VALID);
  }

  @Test
  void verify_whenIssuedInTheFuture_throwsNotYetValid() throws Exception {
    RSAKey key = new RSAKeyGenerator(2048).keyID("future-" + System.nanoTime()).generate();
    rotatedKeys.add(key.toPublicJWK());
    Instant later = Instant.now().plus(Duration.ofMinutes(10));
    JWTClaimsSet claims =
        validClaims(ROTATING_ID)
            .notBeforeTime(null)
            .issueTime(Date.from(later))
            .expirationTime(Date.from(later.plusSeconds(600)))
            .build();
    TokenVerifier verifier =
        TokenVerifier.discover(config(idp, ROTATING_ID), Clock.systemUTC());

    assertThat(rejection(verifier, signRsa(key, key.getKeyID(), claims)))
        .isEqualTo(Reason.NOT_YET_VALID);
  }

  @Test
  void verify_whenTokenFromAnotherIssuer_throwsWrongIssuer() throws Exception {
    String foreign =
        idp.issueToken("other", "alice", AUDIENCE, Map.of("roles", List.of("exec")), 3600)
            .serialize();

    assertThat(rejection(verifier(), foreign)).isEqualTo(Reason.WRONG_ISSUER);
  }

  @Test
  void verify_whenTokenForAnotherAudience_throwsWrongAudience() throws Exception {
    String other =
        idp.issueToken(ISSUER_ID, "alice", "someone-else", Map.of("roles", List.of("exec")), 3600)
            .serialize();

    assertThat(rejection(verifier(), other)).isEqualTo(Reason.WRONG_AUDIENCE);
  }

  @Test
  void verify_whenSignedByKeyNotInJwks_throwsUnknownKey() throws Exception {
    RSAKey attacker = new RSAKeyGenerator(2048).keyID("attacker").generate();

    assertThat(rejection(verifier(), signRsa(attacker, "attacker", validClaims(ISSUER_ID).build())))
        .isEqualTo(Reason.UNKNOWN_KEY);
  }

  @Test
  void verify_whenSignedByForeignKeyUnderKnownKid_throwsBadSignature() throws Exception {
    RSAKey attacker = new RSAKeyGenerator(2048).generate();
    String kid =
        idp.getConfig().getTokenProvider().publicJwkSet(ISSUER_ID).getKeys().get(0).getKeyID();

    assertThat(rejection(verifier(), signRsa(attacker, kid, validClaims(ISSUER_ID).build())))
        .isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void verify_whenPayloadTampered_throwsBadSignature() throws Exception {
    String[] parts = token("alice", List.of("payments-approver")).split("\\.");
    JWTClaimsSet original = JWTClaimsSet.parse(Base64URL.from(parts[1]).decodeToString());
    JWTClaimsSet escalated =
        new JWTClaimsSet.Builder(original).claim("roles", List.of("exec")).build();
    String tampered = parts[0] + "." + Base64URL.encode(escalated.toString()) + "." + parts[2];

    assertThat(rejection(verifier(), tampered)).isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void verify_whenGarbage_throwsMalformed() throws Exception {
    TokenVerifier verifier = verifier();

    assertThat(rejection(verifier, "not-a-jwt")).isEqualTo(Reason.MALFORMED);
    assertThat(rejection(verifier, "")).isEqualTo(Reason.MALFORMED);
    assertThat(rejection(verifier, "a".repeat(TokenVerifier.MAX_TOKEN_CHARS + 1)))
        .isEqualTo(Reason.MALFORMED);
  }

  @Test
  void verify_whenSubjectMissing_throwsMissingSubject() throws Exception {
    RSAKey key = new RSAKeyGenerator(2048).keyID("nosub-" + System.nanoTime()).generate();
    rotatedKeys.add(key.toPublicJWK());
    JWTClaimsSet claims = validClaims(ROTATING_ID).subject(null).build();
    TokenVerifier verifier =
        TokenVerifier.discover(config(idp, ROTATING_ID), Clock.systemUTC());

    assertThat(rejection(verifier, signRsa(key, key.getKeyID(), claims)))
        .isEqualTo(Reason.MISSING_SUBJECT);
  }

  @Test
  void verify_whenIdpStoppedBeforeKeysFetched_throwsIdpUnavailable() throws Exception {
    MockOAuth2Server doomed = new MockOAuth2Server();
    doomed.start();
    IdentityConfig config = config(doomed, ISSUER_ID);
    TokenVerifier verifier = TokenVerifier.discover(config, Clock.systemUTC());
    String token =
        doomed.issueToken(ISSUER_ID, "alice", AUDIENCE, Map.of("roles", List.of()), 3600).serialize();
    doomed.shutdown();

    assertThat(rejection(verifier, token)).isEqualTo(Reason.IDP_UNAVAILABLE);
    TokenRejectedException atStart =
        assertThrows(
            TokenRejectedException.class, () -> TokenVerifier.discover(config, Clock.systemUTC()));
    assertThat(atStart.reason()).isEqualTo(Reason.IDP_UNAVAILABLE);
  }

  /**
   * Black-box run: with the issuer down after its keys were fetched once, a token whose key is not
   * cached was 503 only when a refresh was due and 401 unknown_key in between (the refresh is rate
   * limited to one per interval). The failed fetch is remembered: it stays an outage until a fetch works.
   */
  @Test
  void verify_whenIdpStopsAfterKeysWereFetched_anUncachedKeyIsAnOutage_everyTime() throws Exception {
    MockOAuth2Server doomed = new MockOAuth2Server();
    doomed.start();
    TokenVerifier verifier = TokenVerifier.discover(config(doomed, ISSUER_ID), Clock.systemUTC());
    String good = doomed.issueToken(ISSUER_ID, "alice", AUDIENCE, Map.of("roles", List.of()), 3600).serialize();
    assertThat(verifier.verify(good).subject()).isEqualTo("alice");
    Instant now = Instant.now();
    JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(doomed.issuerUrl(ISSUER_ID).toString()).audience(AUDIENCE)
        .subject("bob").issueTime(Date.from(now)).notBeforeTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(600))).build();
    String uncached = signRsa(new RSAKeyGenerator(2048).generate(), "rotated-in-while-down", claims);
    doomed.shutdown();

    for (int i = 0; i < 3; i++) {
      assertThat(rejection(verifier, uncached)).as("call %d", i).isEqualTo(Reason.IDP_UNAVAILABLE);
    }
    assertThat(verifier.verify(good).subject()).as("a cached key still verifies").isEqualTo("alice");
  }

  @Test
  void discover_whenProviderNamesAnotherIssuer_isTheEnginesMisconfiguration_notABadToken() {
    // A 401 wrong_issuer here was recorded against whichever caller came first (black-box run).
    IdentityConfig trailingSlash =
        IdentityConfig.of(
            URI.create(idp.issuerUrl(ISSUER_ID) + "/"), AUDIENCE, "roles", Map.of(), Map.of());

    assertThatThrownBy(() -> TokenVerifier.discover(trailingSlash, Clock.systemUTC()))
        .isInstanceOfSatisfying(TokenRejectedException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reason.IDP_UNAVAILABLE);
          assertThat(e.getMessage()).contains("trailing slash");
        });
  }

  /**
   * Keys come only from the jwks_uri discovery named: a redirect from it is not followed (review: the
   * JDK's connection follows same-scheme redirects, so plain http on loopback could lead anywhere).
   */
  @Test
  void verify_whenTheJwksUriRedirects_theKeysBehindTheRedirectAreNotUsed() throws Exception {
    RSAKey key = new RSAKeyGenerator(2048).keyID("k-redirect").generate();
    byte[] jwks = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
    com.sun.net.httpserver.HttpServer idpServer = realm(issuer -> issuer + "/moved");
    String issuer = issuerOf(idpServer);
    idpServer.createContext("/realm/moved", x -> {
      x.getResponseHeaders().add("Location", issuer + "/jwks");
      x.sendResponseHeaders(302, -1);
      x.close();
    });
    idpServer.createContext("/realm/jwks", x -> answer(x, jwks));
    try {
      Instant now = Instant.now();
      String token = signRsa(key, "k-redirect", new JWTClaimsSet.Builder().issuer(issuer).audience(AUDIENCE).subject("alice")
          .issueTime(Date.from(now)).notBeforeTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(600))).build());
      TokenVerifier verifier = TokenVerifier.discover(IdentityConfig.of(URI.create(issuer), AUDIENCE, "roles", Map.of(),
          Map.of()), Clock.systemUTC());
      assertThat(rejection(verifier, token)).isEqualTo(Reason.IDP_UNAVAILABLE);
    } finally {
      idpServer.stop(0);
    }
  }

  /** A started loopback issuer at {@code /realm} whose discovery document names {@code jwksUri.apply(issuer)}. */
  private static com.sun.net.httpserver.HttpServer realm(java.util.function.UnaryOperator<String> jwksUri) throws Exception {
    com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    String issuer = issuerOf(server);
    server.createContext("/realm/.well-known/openid-configuration", x -> answer(x,
        ("{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\"" + jwksUri.apply(issuer) + "\"}").getBytes(StandardCharsets.UTF_8)));
    server.start();
    return server;
  }

  private static String issuerOf(com.sun.net.httpserver.HttpServer server) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/realm";
  }

  private static void answer(com.sun.net.httpserver.HttpExchange x, byte[] json) throws java.io.IOException {
    x.getResponseHeaders().add("Content-Type", "application/json");
    x.sendResponseHeaders(200, json.length);
    x.getResponseBody().write(json);
    x.close();
  }

  @Test
  void discover_whenJwksUriIsPlainHttpOffLoopback_refusesToFetchKeysFromIt() throws Exception {
    // A real discovery endpoint whose jwks_uri is plain http on another host: anyone on that path
    // could swap the keys every token is checked with.
    com.sun.net.httpserver.HttpServer doc = realm(issuer -> "http://192.0.2.7/jwks");
    String issuer = issuerOf(doc);
    try {
      IdentityConfig c = IdentityConfig.of(URI.create(issuer), AUDIENCE, "roles", Map.of(), Map.of());
      assertThatThrownBy(() -> TokenVerifier.discover(c, Clock.systemUTC()))
          .isInstanceOfSatisfying(TokenRejectedException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.IDP_UNAVAILABLE);
            assertThat(e.getMessage()).contains("plain-http `jwks_uri`");
          });
    } finally {
      doc.stop(0);
    }
  }

  @Test
  void verify_whenIdpRotatesKey_acceptsNewKidAfterOneRefresh() throws Exception {
    TokenVerifier verifier =
        TokenVerifier.discover(config(idp, ROTATING_ID), Clock.systemUTC());
    String before =
        idp.issueToken(ROTATING_ID, "alice", AUDIENCE, Map.of("roles", List.of()), 3600)
            .serialize();
    assertThat(verifier.verify(before).subject()).isEqualTo("alice");
    int fetches = rotatingJwksFetches.get();

    RSAKey next = new RSAKeyGenerator(2048).keyID("rotated-" + System.nanoTime()).generate();
    rotatedKeys.add(next.toPublicJWK());
    String after = signRsa(next, next.getKeyID(), validClaims(ROTATING_ID).build());

    assertThat(verifier.verify(after).subject()).isEqualTo("mallory");
    assertThat(rotatingJwksFetches.get()).isEqualTo(fetches + 1);
    // Known keys are served from the cache.
    verifier.verify(before);
    verifier.verify(after);
    assertThat(rotatingJwksFetches.get()).isEqualTo(fetches + 1);
  }

  @Test
  void verify_whenUnknownKidsFlood_jwksRefreshIsRateLimited() throws Exception {
    TokenVerifier verifier =
        TokenVerifier.discover(config(idp, ROTATING_ID), Clock.systemUTC());
    verifier.verify(
        idp.issueToken(ROTATING_ID, "alice", AUDIENCE, Map.of("roles", List.of()), 3600)
            .serialize());
    int fetches = rotatingJwksFetches.get();
    RSAKey attacker = new RSAKeyGenerator(2048).generate();

    for (int i = 0; i < 5; i++) {
      String token = signRsa(attacker, "flood-" + i, validClaims(ROTATING_ID).build());
      assertThat(rejection(verifier, token)).isEqualTo(Reason.UNKNOWN_KEY);
    }
    assertThat(rotatingJwksFetches.get() - fetches).isLessThanOrEqualTo(1);
  }

  @Test
  void verify_whenEd25519KeyPublished_acceptsEdDsaToken() throws Exception {
    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    byte[] spki = pair.getPublic().getEncoded();
    byte[] x = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
    String kid = "ed-" + System.nanoTime();
    rotatedKeys.add(new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).keyID(kid).build());
    String signingInput =
        new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID(kid).build().toBase64URL()
            + "."
            + Base64URL.encode(validClaims(ROTATING_ID).build().toString());
    Signature signer = Signature.getInstance("Ed25519");
    signer.initSign(pair.getPrivate());
    signer.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    String token = signingInput + "." + Base64URL.encode(signer.sign());
    TokenVerifier verifier =
        TokenVerifier.discover(config(idp, ROTATING_ID), Clock.systemUTC());

    Principal p = verifier.verify(token);
    assertThat(p.level()).contains(AuthorityLevel.L5);

    String[] parts = token.split("\\.");
    String tampered =
        parts[0]
            + "."
            + Base64URL.encode(validClaims(ROTATING_ID).subject("eve").build().toString())
            + "."
            + parts[2];
    assertThat(rejection(verifier, tampered)).isEqualTo(Reason.BAD_SIGNATURE);
  }
}
