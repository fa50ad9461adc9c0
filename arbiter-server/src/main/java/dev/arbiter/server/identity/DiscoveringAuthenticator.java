package dev.arbiter.server.identity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TokenVerifier} whose OIDC discovery happens on first use and is retried (at most once per
 * {@code retryInterval}) until it succeeds, so an engine can start while its IdP is down and refuse
 * every call with {@code IDP_UNAVAILABLE} until the IdP answers — never accept anything meanwhile.
 */
public final class DiscoveringAuthenticator implements Authenticator {
  private static final Logger LOG = LoggerFactory.getLogger(DiscoveringAuthenticator.class);

  private final IdentityConfig config;
  private final Clock clock;
  private final Duration retryInterval;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile TokenVerifier verifier;
  private Instant lastAttempt = Instant.MIN;

  public DiscoveringAuthenticator(IdentityConfig config, Clock clock, Duration retryInterval) {
    this.config = config;
    this.clock = clock;
    this.retryInterval = retryInterval;
  }

  public IdentityConfig config() {
    return config;
  }

  @Override
  public boolean issuerReachable() {
    TokenVerifier v = verifier;
    return v != null && v.issuerReachable();
  }

  @Override
  public Principal authenticate(String bearerToken) throws TokenRejectedException {
    TokenVerifier v = verifier;
    if (v == null) {
      v = discover();
    }
    return v.verify(bearerToken);
  }

  private TokenVerifier discover() throws TokenRejectedException {
    lock.lock();
    try {
      if (verifier != null) {
        return verifier;
      }
      Instant now = clock.instant();
      if (lastAttempt != Instant.MIN && now.isBefore(lastAttempt.plus(retryInterval))) {
        throw new TokenRejectedException(TokenRejectedException.Reason.IDP_UNAVAILABLE,
            "OIDC discovery for " + config.issuer() + " failed recently; retrying after " + retryInterval);
      }
      lastAttempt = now;
      verifier = TokenVerifier.discover(config, clock);
      LOG.info("OIDC issuer {} discovered", config.issuer());
      return verifier;
    } catch (TokenRejectedException e) {
      LOG.warn("OIDC discovery for {} failed: {}", config.issuer(), e.getMessage());
      throw e;
    } finally {
      lock.unlock();
    }
  }
}
