package dev.arbiter.server.engine;

import dev.arbiter.core.approval.Challenge;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Challenges the engine issued and not yet used, keyed by nonce. A challenge is taken out exactly
 * once (the first submission with a valid signature consumes it); consumed nonces are remembered until
 * they would have expired anyway, so a replay is named {@code nonce_used}, not {@code
 * unknown_challenge}. Memory only: after a restart outstanding challenges are unknown (fail closed)
 * and used nonces are known from the ledger's {@code approval.added} events.
 *
 * <p>Bounded per subject ({@value #MAX_PER_SUBJECT} outstanding) inside the global bound ({@value
 * #MAX_OUTSTANDING}): anyone may ask for a challenge, so with only the global bound ~170 role-less
 * subjects at the approvers' rate limit filled it and every real approver was refused. Expired
 * challenges and consumed nonces are purged by the {@link ExpirySweeper} and, at most once a second,
 * when a bound is reached.
 */
final class ChallengeStore {
  static final int MAX_OUTSTANDING = 100_000;
  static final int MAX_PER_SUBJECT = 64;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A challenge and the subject it was issued to. */
  record Issued(Challenge challenge, String subject) {}

  private final Map<String, Issued> outstanding = new ConcurrentHashMap<>();
  /** Outstanding challenges per subject; a subject with none has no entry. */
  private final Map<String, Integer> perSubject = new ConcurrentHashMap<>();
  private final Map<String, Instant> consumed = new ConcurrentHashMap<>();
  /**
   * Challenges purged because they expired unused, kept a while longer (at most {@value
   * #MAX_OUTSTANDING}, each for {@link #EXPIRED_MEMORY} past its expiry) so that a late signature is
   * refused as {@code challenge_expired}, not as a challenge this engine never issued.
   */
  private final Map<String, Issued> expired = new ConcurrentHashMap<>();
  static final java.time.Duration EXPIRED_MEMORY = java.time.Duration.ofHours(1);
  private final AtomicReference<Instant> lastPurge = new AtomicReference<>(Instant.MIN);

  /**
   * Issues a fresh challenge.
   *
   * @throws EngineException.RateLimited when the subject, or everyone together, has too many outstanding
   */
  Challenge issue(String subject, String decisionId, String intent, String policyHash, Instant now, Duration ttl,
      Duration retryAfter) throws EngineException.RateLimited {
    if (outstanding.size() >= MAX_OUTSTANDING) {
      purgeAtMostEverySecond(now);
      if (outstanding.size() >= MAX_OUTSTANDING) {
        throw new EngineException.RateLimited("too many outstanding challenges", retryAfter);
      }
    }
    if (!reserve(subject)) {
      purgeAtMostEverySecond(now);
      if (!reserve(subject)) {
        // Retry-After: by then every challenge outstanding now has expired and been purged (the sweep
        // runs every second). The engine's general 2 s would send a client back 150 times in vain.
        Duration untilAllExpired = Duration.ofSeconds(Math.max(1, ttl.toSeconds()) + 1);
        throw new EngineException.RateLimited("the caller has " + MAX_PER_SUBJECT + " outstanding challenges; use them"
            + " or wait until they expire (" + Math.max(1, ttl.toSeconds()) + " s after issue)", untilAllExpired);
      }
    }
    byte[] nonce = new byte[32];
    RANDOM.nextBytes(nonce);
    Challenge c = new Challenge(decisionId, intent, now, Base64.getUrlEncoder().withoutPadding().encodeToString(nonce),
        Math.max(1, ttl.toSeconds()), policyHash);
    outstanding.put(c.nonce(), new Issued(c, subject));
    return c;
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
    release(i.subject());
    consumed.put(nonce, i.challenge().expiresAt());
    return Optional.of(i);
  }

  boolean consumed(String nonce) {
    return consumed.containsKey(nonce);
  }

  /** True when this exact challenge was issued to {@code subject} and expired unused (and is still remembered). */
  boolean expiredUnused(String nonce, String subject, Challenge echoed) {
    Issued i = expired.get(nonce);
    return i != null && i.subject().equals(subject) && i.challenge().equals(echoed);
  }

  /**
   * Drops expired challenges (remembering them a while as expired), the nonces of consumed ones that
   * would have expired by now, and expired ones past their memory.
   */
  void purge(Instant now) {
    for (Map.Entry<String, Issued> e : outstanding.entrySet()) {
      if (!now.isBefore(e.getValue().challenge().expiresAt()) && outstanding.remove(e.getKey(), e.getValue())) {
        release(e.getValue().subject());
        if (expired.size() < MAX_OUTSTANDING) {
          expired.put(e.getKey(), e.getValue());
        }
      }
    }
    consumed.values().removeIf(t -> !now.isBefore(t));
    expired.values().removeIf(i -> !now.isBefore(i.challenge().expiresAt().plus(EXPIRED_MEMORY)));
  }

  int outstanding() {
    return outstanding.size();
  }

  int consumedCount() {
    return consumed.size();
  }

  private void purgeAtMostEverySecond(Instant now) {
    Instant last = lastPurge.get();
    if (now.isBefore(last.plusSeconds(1)) || !lastPurge.compareAndSet(last, now)) {
      return;
    }
    purge(now);
  }

  private boolean reserve(String subject) {
    boolean[] reserved = {false};
    perSubject.compute(subject, (k, n) -> {
      int count = n == null ? 0 : n;
      if (count >= MAX_PER_SUBJECT) {
        return n;
      }
      reserved[0] = true;
      return count + 1;
    });
    return reserved[0];
  }

  private void release(String subject) {
    perSubject.computeIfPresent(subject, (k, n) -> n <= 1 ? null : n - 1);
  }
}
