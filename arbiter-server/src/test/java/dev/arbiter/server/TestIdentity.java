package dev.arbiter.server;

import dev.arbiter.core.authority.AuthorityLevel;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.server.config.SecurityConfig;
import dev.arbiter.server.identity.IdentityConfig;
import dev.arbiter.server.identity.TokenRejectedException;
import dev.arbiter.server.identity.TokenVerifier;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import no.nav.security.mock.oauth2.MockOAuth2Server;

/**
 * One real OIDC issuer (mock-oauth2-server: discovery and JWKS over HTTP) for the server tests, and the
 * roles they use: {@code operator} L1, {@code supervisor} L2, {@code manager} L3 (all domains), {@code
 * payments-manager} L3 for {@code payments} only, {@code security} L4, {@code executive} L5, and
 * {@code arbiter-gateway} (no level: may record executions).
 */
public final class TestIdentity {
  public static final String ISSUER_ID = "arbiter-test";
  public static final String AUDIENCE = "arbiter";
  private static MockOAuth2Server idp;

  private TestIdentity() {}

  public static synchronized MockOAuth2Server idp() {
    if (idp == null) {
      idp = new MockOAuth2Server();
      idp.start();
      Runtime.getRuntime().addShutdownHook(new Thread(idp::shutdown));
    }
    return idp;
  }

  public static IdentityConfig config() {
    return IdentityConfig.of(URI.create(idp().issuerUrl(ISSUER_ID).toString()), AUDIENCE, "roles",
        Map.of("operator", AuthorityLevel.L1, "supervisor", AuthorityLevel.L2, "manager", AuthorityLevel.L3,
            "payments-manager", AuthorityLevel.L3, "security", AuthorityLevel.L4, "executive", AuthorityLevel.L5),
        Map.of("operator", Set.of("*"), "supervisor", Set.of("*"), "manager", Set.of("*"),
            "payments-manager", Set.of("payments"), "security", Set.of("*"), "executive", Set.of("*")));
  }

  /** The engine's security with a real token verifier against the test issuer. */
  public static SecurityConfig security(SigningKey engineKey) throws TokenRejectedException {
    return SecurityConfig.of(TokenVerifier.discover(config(), Clock.systemUTC()), engineKey,
        Map.of("transfer", "payments", "deploy", "infra", "data_export", "data"));
  }

  /** A valid one-hour access token for {@code subject} with {@code roles}. */
  public static String token(String subject, String... roles) {
    return idp().issueToken(ISSUER_ID, subject, AUDIENCE, Map.of("roles", List.of(roles)), 3600).serialize();
  }
}
