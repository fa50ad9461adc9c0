package dev.arbiter.server.identity;

/** Turns a bearer token into an authenticated {@link Principal}, or refuses it with a stable reason. */
@FunctionalInterface
public interface Authenticator {
  Principal authenticate(String bearerToken) throws TokenRejectedException;

  /**
   * Whether the identity provider answered its latest key fetch: a token verified with a cached key
   * says nothing about that, and "restored" recorded on it would alternate with "degraded" on every
   * forged token during an outage (review).
   */
  default boolean issuerReachable() {
    return true;
  }
}
