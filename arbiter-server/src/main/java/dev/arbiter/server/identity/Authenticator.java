package dev.arbiter.server.identity;

/** Turns a bearer token into an authenticated {@link Principal}, or refuses it with a stable reason. */
@FunctionalInterface
public interface Authenticator {
  Principal authenticate(String bearerToken) throws TokenRejectedException;
}
