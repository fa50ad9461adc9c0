package dev.arbiter.server.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import dev.arbiter.core.authority.AuthorityLevel;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdentityConfigTest {

  private static final URI ISSUER = URI.create("https://idp.example/realms/acme");

  private static IdentityConfig with(Set<JWSAlgorithm> algs, Duration skew) {
    return new IdentityConfig(
        ISSUER,
        "arbiter",
        algs,
        skew,
        IdentityConfig.DEFAULT_JWKS_CACHE_TTL,
        IdentityConfig.DEFAULT_JWKS_REFRESH_INTERVAL,
        "groups",
        Map.of(),
        Map.of());
  }

  @Test
  void defaults_areAsymmetricAlgorithmsAndThirtySecondSkew() {
    IdentityConfig c = IdentityConfig.of(ISSUER, "arbiter", "groups", Map.of(), Map.of());

    assertThat(c.allowedAlgorithms())
        .containsExactlyInAnyOrder(JWSAlgorithm.RS256, JWSAlgorithm.ES256, JWSAlgorithm.EdDSA);
    assertThat(c.clockSkew()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void create_whenIssuerIsPlainHttpOffLoopback_throws() {
    // Whoever can change what the issuer serves can mint tokens for any role.
    assertThatThrownBy(() -> IdentityConfig.of(URI.create("http://idp.example/realms/acme"), "arbiter", "groups",
        Map.of(), Map.of())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("https");
    assertThatThrownBy(() -> IdentityConfig.of(URI.create("http://192.0.2.2:8080"), "arbiter", "groups",
        Map.of(), Map.of())).isInstanceOf(IllegalArgumentException.class);
    for (String local : new String[] {"http://127.0.0.1:8602", "http://localhost:9000/default", "http://[::1]:8602"}) {
      assertThat(IdentityConfig.of(URI.create(local), "arbiter", "groups", Map.of(), Map.of()).issuer())
          .isEqualTo(URI.create(local));
    }
  }

  @Test
  void create_whenHmacOrNoneAllowed_throws() {
    assertThatThrownBy(() -> with(Set.of(JWSAlgorithm.HS256), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("allowedAlgorithms");
    assertThatThrownBy(() -> with(Set.of(new JWSAlgorithm("none")), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> with(Set.of(), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void create_whenSkewBeyondFiveMinutes_throwsInsteadOfClamping() {
    assertThatThrownBy(() -> with(IdentityConfig.DEFAULT_ALGORITHMS, Duration.ofMinutes(6)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("clockSkew");
    assertThatThrownBy(() -> with(IdentityConfig.DEFAULT_ALGORITHMS, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void create_whenIssuerNotAbsoluteHttp_throws() {
    assertThatThrownBy(
            () -> IdentityConfig.of(URI.create("idp/realm"), "a", "groups", Map.of(), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("issuer");
  }

  @Test
  void create_copiesMappingsSoLaterChangesDoNotLeakIn() {
    Map<String, AuthorityLevel> levels = new HashMap<>(Map.of("approvers", AuthorityLevel.L2));
    IdentityConfig c = IdentityConfig.of(ISSUER, "arbiter", "groups", levels, Map.of());
    levels.put("admins", AuthorityLevel.L5);

    assertThat(c.roleLevels()).containsOnlyKeys("approvers");
  }
}
