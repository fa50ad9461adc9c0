package dev.arbiter.server.identity;

import com.nimbusds.jose.JWSAlgorithm;
import dev.arbiter.core.authority.AuthorityLevel;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How Arbiter trusts one OIDC issuer. Validated at construction and immutable: a bad value fails
 * fast, nothing is silently corrected.
 *
 * @param issuer the issuer URL; discovery must report exactly this string and tokens must carry
 *     it as {@code iss}
 * @param audience the value that must appear in the token's {@code aud}
 * @param allowedAlgorithms the pinned signature algorithms; a token's {@code alg} header only
 *     selects among these. Only RS256/384/512, PS256/384/512, ES256/384/512 and EdDSA are
 *     accepted: never {@code none}, never an HMAC algorithm
 * @param clockSkew tolerance for {@code exp}, {@code nbf} and {@code iat}; 0 to 5 minutes
 * @param jwksCacheTtl how long fetched keys are trusted before they are fetched again (1 s to 1 day)
 * @param jwksRefreshInterval the least time between two JWKS fetches triggered by unknown key ids
 *     (rate limit against key-id flooding); at most {@code jwksCacheTtl}
 * @param rolesClaim the claim holding the caller's roles or groups (a string or array of strings)
 * @param roleLevels IdP role/group to authority level; the highest mapped level wins
 * @param roleDomains IdP role/group to the domains it scopes ({@code *} for all)
 */
public record IdentityConfig(
    URI issuer,
    String audience,
    Set<JWSAlgorithm> allowedAlgorithms,
    Duration clockSkew,
    Duration jwksCacheTtl,
    Duration jwksRefreshInterval,
    String rolesClaim,
    Map<String, AuthorityLevel> roleLevels,
    Map<String, Set<String>> roleDomains) {

  public static final String ALL_DOMAINS = "*";
  public static final Set<JWSAlgorithm> DEFAULT_ALGORITHMS =
      Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256, JWSAlgorithm.EdDSA);
  public static final Set<JWSAlgorithm> PERMITTED_ALGORITHMS =
      Set.of(
          JWSAlgorithm.RS256,
          JWSAlgorithm.RS384,
          JWSAlgorithm.RS512,
          JWSAlgorithm.PS256,
          JWSAlgorithm.PS384,
          JWSAlgorithm.PS512,
          JWSAlgorithm.ES256,
          JWSAlgorithm.ES384,
          JWSAlgorithm.ES512,
          JWSAlgorithm.EdDSA);
  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);
  public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);
  public static final Duration DEFAULT_JWKS_CACHE_TTL = Duration.ofMinutes(5);
  public static final Duration DEFAULT_JWKS_REFRESH_INTERVAL = Duration.ofSeconds(30);

  public IdentityConfig {
    Objects.requireNonNull(issuer, "issuer");
    Objects.requireNonNull(audience, "audience");
    Objects.requireNonNull(allowedAlgorithms, "allowedAlgorithms");
    Objects.requireNonNull(clockSkew, "clockSkew");
    Objects.requireNonNull(jwksCacheTtl, "jwksCacheTtl");
    Objects.requireNonNull(jwksRefreshInterval, "jwksRefreshInterval");
    Objects.requireNonNull(rolesClaim, "rolesClaim");
    Objects.requireNonNull(roleLevels, "roleLevels");
    Objects.requireNonNull(roleDomains, "roleDomains");
    String scheme = issuer.getScheme();
    if (!issuer.isAbsolute() || !("https".equals(scheme) || "http".equals(scheme))
        || issuer.getHost() == null || issuer.getQuery() != null || issuer.getFragment() != null) {
      throw invalid("issuer", "an absolute http(s) URL without query or fragment", issuer);
    }
    if ("http".equals(scheme) && !dev.arbiter.http.Loopback.isLoopback(issuer.getHost())) {
      // Whoever can change what the issuer serves can mint tokens for any subject and role: over plain
      // HTTP that is anyone on the network path.
      throw invalid("issuer", "an https URL (plain http only for an issuer on loopback)", issuer);
    }
    if (audience.isBlank()) {
      throw invalid("audience", "a non-blank string", "`" + audience + "`");
    }
    if (allowedAlgorithms.isEmpty()) {
      throw invalid("allowedAlgorithms", "at least one algorithm", "none");
    }
    for (JWSAlgorithm alg : allowedAlgorithms) {
      if (!PERMITTED_ALGORITHMS.contains(alg)) {
        throw invalid("allowedAlgorithms", "only " + PERMITTED_ALGORITHMS, alg);
      }
    }
    if (clockSkew.isNegative() || clockSkew.compareTo(MAX_CLOCK_SKEW) > 0) {
      throw invalid("clockSkew", "between 0 and " + MAX_CLOCK_SKEW, clockSkew);
    }
    if (jwksCacheTtl.compareTo(Duration.ofSeconds(1)) < 0
        || jwksCacheTtl.compareTo(Duration.ofDays(1)) > 0) {
      throw invalid("jwksCacheTtl", "between 1s and 1 day", jwksCacheTtl);
    }
    if (jwksRefreshInterval.isNegative()
        || jwksRefreshInterval.isZero()
        || jwksRefreshInterval.compareTo(jwksCacheTtl) > 0) {
      throw invalid("jwksRefreshInterval", "positive and at most jwksCacheTtl", jwksRefreshInterval);
    }
    if (rolesClaim.isBlank()) {
      throw invalid("rolesClaim", "a claim name", "`" + rolesClaim + "`");
    }
    allowedAlgorithms = Set.copyOf(allowedAlgorithms);
    roleLevels = Map.copyOf(roleLevels);
    Map<String, Set<String>> domains = new LinkedHashMap<>();
    roleDomains.forEach(
        (role, ds) -> {
          Objects.requireNonNull(ds, "roleDomains." + role);
          for (String d : ds) {
            if (d == null || d.isBlank()) {
              throw invalid("roleDomains." + role, "non-blank domain names", ds);
            }
          }
          domains.put(role, Set.copyOf(ds));
        });
    roleDomains = Map.copyOf(domains);
  }

  /** A configuration with the defaults for algorithms, skew, cache TTL and refresh interval. */
  public static IdentityConfig of(
      URI issuer,
      String audience,
      String rolesClaim,
      Map<String, AuthorityLevel> roleLevels,
      Map<String, Set<String>> roleDomains) {
    return new IdentityConfig(
        issuer,
        audience,
        DEFAULT_ALGORITHMS,
        DEFAULT_CLOCK_SKEW,
        DEFAULT_JWKS_CACHE_TTL,
        DEFAULT_JWKS_REFRESH_INTERVAL,
        rolesClaim,
        roleLevels,
        roleDomains);
  }

  private static IllegalArgumentException invalid(String field, String want, Object got) {
    return new IllegalArgumentException("identity." + field + ": want " + want + ", got " + got);
  }
}
