package dev.arbiter.server.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.SignedJWT;
import dev.arbiter.core.authority.AuthorityLevel;
import dev.arbiter.server.FakeClock;
import dev.arbiter.server.identity.TokenRejectedException.Reason;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The verified-token cache never accepts what full verification would refuse: past {@code exp}, a
 * token differing in one character, or a refused token; and it stays within its bound. Real tokens
 * from a real OIDC server (discovery and JWKS over HTTP).
 */
class VerifiedTokenCacheTest {
  private static final String AUDIENCE = "arbiter";
  private static final String ISSUER_ID = "cache";
  private static MockOAuth2Server idp;

  @BeforeAll
  static void startIdp() {
    idp = new MockOAuth2Server();
    idp.start();
  }

  @AfterAll
  static void stopIdp() {
    idp.shutdown();
  }

  private static IdentityConfig config() {
    return IdentityConfig.of(URI.create(idp.issuerUrl(ISSUER_ID).toString()), AUDIENCE, "roles",
        Map.of("exec", AuthorityLevel.L5), Map.of("exec", Set.of("*")));
  }

  private static TokenVerifier verifier(FakeClock clock, VerifiedTokenCache.Settings settings) throws Exception {
    return TokenVerifier.discover(config(), clock, HttpClient.newHttpClient(), settings);
  }

  private static String token(String subject, long ttlSeconds) {
    return idp.issueToken(ISSUER_ID, subject, AUDIENCE, Map.of("roles", List.of("exec")), ttlSeconds).serialize();
  }

  private static Reason rejection(TokenVerifier v, String token) {
    try {
      v.verify(token);
    } catch (TokenRejectedException e) {
      return e.reason();
    }
    throw new AssertionError("token was accepted");
  }

  @Test
  void verify_whenCachedTokenIsPastExp_throwsExpired() throws Exception {
    String token = token("alice", 120);
    Instant exp = SignedJWT.parse(token).getJWTClaimsSet().getExpirationTime().toInstant();
    FakeClock clock = new FakeClock(Instant.now());
    TokenVerifier v = verifier(clock, new VerifiedTokenCache.Settings(Duration.ofMinutes(10), 100));
    assertThat(v.verify(token).subject()).isEqualTo("alice");
    assertThat(v.cachedTokens()).isEqualTo(1);

    clock.advance(Duration.between(clock.instant(), exp).plus(IdentityConfig.DEFAULT_CLOCK_SKEW));

    assertThat(rejection(v, token)).isEqualTo(Reason.EXPIRED);
    assertThat(v.cachedTokens()).as("an entry past exp is dropped, not served").isZero();
  }

  @Test
  void verify_whenOneCharacterDiffersFromACachedToken_verifiesInFullAndRefuses() throws Exception {
    String token = token("alice", 3600);
    TokenVerifier v = verifier(new FakeClock(Instant.now()), VerifiedTokenCache.DEFAULTS);
    assertThat(v.verify(token).subject()).isEqualTo("alice");

    int sig = token.lastIndexOf('.') + 20;
    String badSignature = flip(token, sig);
    int payload = token.indexOf('.') + 30;
    String badPayload = flip(token, payload);
    int header = 10;
    String badHeader = flip(token, header);

    assertThat(rejection(v, badSignature)).isEqualTo(Reason.BAD_SIGNATURE);
    assertThat(rejection(v, badPayload)).isIn(Reason.BAD_SIGNATURE, Reason.MALFORMED);
    assertThat(rejection(v, badHeader)).isIn(Reason.MALFORMED, Reason.ALGORITHM_NOT_ALLOWED, Reason.UNKNOWN_KEY,
        Reason.BAD_SIGNATURE);
    assertThat(v.cachedTokens()).as("refusals are never cached").isEqualTo(1);
    assertThat(v.verify(token).subject()).isEqualTo("alice");
  }

  @Test
  void verify_whenRefused_isNotCached() throws Exception {
    String other = idp.issueToken(ISSUER_ID, "alice", "someone-else", Map.of(), 3600).serialize();
    TokenVerifier v = verifier(new FakeClock(Instant.now()), VerifiedTokenCache.DEFAULTS);

    assertThat(rejection(v, other)).isEqualTo(Reason.WRONG_AUDIENCE);
    assertThat(rejection(v, other)).isEqualTo(Reason.WRONG_AUDIENCE);
    assertThat(v.cachedTokens()).isZero();
  }

  @Test
  void verify_manyDistinctTokens_cacheStaysWithinItsBound() throws Exception {
    TokenVerifier v = verifier(new FakeClock(Instant.now()), new VerifiedTokenCache.Settings(Duration.ofSeconds(60), 8));
    for (int i = 0; i < 50; i++) {
      assertThat(v.verify(token("user-" + i, 3600)).subject()).isEqualTo("user-" + i);
      assertThat(v.cachedTokens()).isLessThanOrEqualTo(8);
    }
    assertThat(v.cachedTokens()).isPositive();
  }

  @Test
  void verify_whenDisabled_cachesNothing() throws Exception {
    TokenVerifier v = verifier(new FakeClock(Instant.now()), VerifiedTokenCache.DISABLED);
    String token = token("alice", 3600);
    v.verify(token);
    v.verify(token);
    assertThat(v.cachedTokens()).isZero();
  }

  @Test
  void get_isServedOnlyBeforeBothExpAndTtl() {
    VerifiedTokenCache cache = new VerifiedTokenCache(new VerifiedTokenCache.Settings(Duration.ofSeconds(60), 10));
    Principal p = Principal.withoutAuthority("alice", List.of());
    Instant now = Instant.parse("2026-11-25T12:00:00Z");
    ByteBuffer longLived = VerifiedTokenCache.keyOf("a");
    ByteBuffer shortLived = VerifiedTokenCache.keyOf("b");
    cache.put(longLived, p, now.plusSeconds(3600), now);
    cache.put(shortLived, p, now.plusSeconds(10), now);

    assertThat(cache.get(longLived, now.plusSeconds(59))).contains(p);
    assertThat(cache.get(longLived, now.plusSeconds(60))).as("ttl caps a long-lived token").isEmpty();
    assertThat(cache.get(shortLived, now.plusSeconds(9))).contains(p);
    assertThat(cache.get(shortLived, now.plusSeconds(10))).as("never at or past exp").isEmpty();
    assertThat(cache.get(VerifiedTokenCache.keyOf("c"), now)).isEmpty();
  }

  @Test
  void settings_whenOutOfRange_throw() {
    assertThatThrownBy(() -> new VerifiedTokenCache.Settings(Duration.ofSeconds(-1), 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new VerifiedTokenCache.Settings(Duration.ofHours(2), 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new VerifiedTokenCache.Settings(Duration.ofSeconds(60), -1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static String flip(String s, int i) {
    char c = s.charAt(i);
    char replacement = c == 'A' ? 'B' : 'A';
    return s.substring(0, i) + replacement + s.substring(i + 1);
  }
}
