package dev.arbiter.server.engine;

import dev.arbiter.core.approval.Challenge;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Challenges the engine issued and not yet used, keyed by nonce. A challenge is taken out exactly
 * once (the first submission with a valid signature consumes it); consumed nonces are remembered until
 * they would have expired anyway, so a replay is named {@code nonce_used}, not {@code
 * unknown_challenge}. Memory only: after a restart outstanding challenges are unknown (fail closed)
 * and used nonces are known from the ledger's {@code approval.added} events.
 */
final class ChallengeStore {
  static final int MAX_OUTSTANDING = 100_000;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A challenge and the subject it was issued to. */
  record Issued(Challenge challenge, String subject) {}

  private final Map<String, Issued> outstanding = new ConcurrentHashMap<>();
  private final Map<String, Instant> consumed = new ConcurrentHashMap<>();

  /** Issues a fresh challenge, or empty when too many are outstanding (the caller answers 429). */
  Optional<Challenge> issue(String subject, String decisionId, String intent, String policyHash, Instant now, Duration ttl) {
    if (outstanding.size() >= MAX_OUTSTANDING) {
      purge(now);
      if (outstanding.size() >= MAX_OUTSTANDING) {
        return Optional.empty();
      }
    }
    byte[] nonce = new byte[32];
    RANDOM.nextBytes(nonce);
    Challenge c = new Challenge(decisionId, intent, now, Base64.getUrlEncoder().withoutPadding().encodeToString(nonce),
        Math.max(1, ttl.toSeconds()), policyHash);
    outstanding.put(c.nonce(), new Issued(c, subject));
    return Optional.of(c);
  }

  /**
   * Removes and returns the challenge with this nonce if it was issued to {@code subject} and equals
   * {@code echoed}; afterwards the nonce counts as used. Someone else who learned the nonce cannot
   * burn the challenge.
   */
  Optional<Issued> take(String nonce, String subject, Challenge echoed) {
    Issued i = outstanding.get(nonce);
    if (i == null || !i.subject().equals(subject) || !i.challenge().equals(echoed) || !outstanding.remove(nonce, i)) {
      return Optional.empty();
    }
    consumed.put(nonce, i.challenge().expiresAt());
    return Optional.of(i);
  }

  boolean consumed(String nonce) {
    return consumed.containsKey(nonce);
  }

  void purge(Instant now) {
    outstanding.values().removeIf(i -> !now.isBefore(i.challenge().expiresAt()));
    consumed.values().removeIf(t -> !now.isBefore(t));
  }
}
