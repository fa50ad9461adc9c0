package dev.arbiter.server.config;

import java.time.Duration;

/**
 * The server's settings, validated once and immutable (a bad value fails fast; nothing is silently
 * corrected).
 *
 * @param host the address to bind ({@code 127.0.0.1} by default: nothing is exposed unless asked)
 * @param port the TCP port; 0 picks a free one (tests)
 * @param maxBodyBytes the largest accepted request body; larger ones get 413
 * @param ledgerTimeout how long a request waits for the ledger to confirm before answering {@code queue}
 * @param retryAfter the {@code Retry-After} a {@code queue} answer carries
 * @param maxCachedDecisions how many decisions' states stay in memory (others are re-read from the
 *     ledger on demand)
 * @param idempotencyWindow how many {@code POST /v1/decisions} idempotency keys are remembered (each
 *     128 bytes: a key's hash, its request's hash and its decision's id; at most 16,000,000)
 * @param expirySweep how often pending decisions are checked for expiry
 * @param submissionsPerMinute how many {@code POST /v1/decisions} one caller (token subject) may make
 *     per minute, replays included (429 {@code rate-limited} beyond)
 * @param maxPendingPerProposer how many decisions one proposer may have waiting for authority
 *     ({@code pending_authority}) before a new request is refused (409 {@code too-many-pending})
 * @param reverifyEvery how often the whole ledger is verified again while the engine runs ({@code
 *     LedgerReverifier}); {@link Duration#ZERO}: only at start
 */
public record ServerConfig(
    String host,
    int port,
    int maxBodyBytes,
    Duration ledgerTimeout,
    Duration retryAfter,
    int maxCachedDecisions,
    int idempotencyWindow,
    Duration expirySweep,
    int submissionsPerMinute,
    int maxPendingPerProposer,
    Duration reverifyEvery) {

  /**
   * Default of {@link #submissionsPerMinute}: 20,000 a second from one caller, above what this engine
   * does on two cores, so that one agent can load it (issue 3 asks 10,000 a second); lower it per
   * deployment to what a proposer really sends.
   */
  public static final int DEFAULT_SUBMISSIONS_PER_MINUTE = 1_200_000;
  /**
   * Default of {@link #maxPendingPerProposer}: room for an approval load run from one agent (tens of
   * thousands waiting), ~20 MB of pending index per proposer at the most.
   */
  public static final int DEFAULT_MAX_PENDING_PER_PROPOSER = 100_000;

  public ServerConfig {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host is required");
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
    }
    if (maxBodyBytes < 1024 || maxBodyBytes > 16 * 1024 * 1024) {
      throw new IllegalArgumentException("maxBodyBytes must be in [1 KiB, 16 MiB], got " + maxBodyBytes);
    }
    requirePositive(ledgerTimeout, "ledgerTimeout");
    requirePositive(retryAfter, "retryAfter");
    requirePositive(expirySweep, "expirySweep");
    if (maxCachedDecisions < 16) {
      throw new IllegalArgumentException("maxCachedDecisions must be >= 16, got " + maxCachedDecisions);
    }
    if (idempotencyWindow < 16 || idempotencyWindow > 16_000_000) {
      throw new IllegalArgumentException("idempotencyWindow must be 16..16,000,000, got " + idempotencyWindow);
    }
    if (submissionsPerMinute < 1) {
      throw new IllegalArgumentException("submissionsPerMinute must be >= 1, got " + submissionsPerMinute);
    }
    if (maxPendingPerProposer < 1) {
      throw new IllegalArgumentException("maxPendingPerProposer must be >= 1, got " + maxPendingPerProposer);
    }
    if (reverifyEvery == null || reverifyEvery.isNegative()) {
      throw new IllegalArgumentException("reverifyEvery must be zero or positive, got " + reverifyEvery);
    }
  }

  /** Default of {@link #reverifyEvery}. */
  public static final Duration DEFAULT_REVERIFY_EVERY = Duration.ofHours(1);

  /** The settings before the per-caller quotas, with their defaults. */
  public ServerConfig(String host, int port, int maxBodyBytes, Duration ledgerTimeout, Duration retryAfter,
      int maxCachedDecisions, int idempotencyWindow, Duration expirySweep) {
    this(host, port, maxBodyBytes, ledgerTimeout, retryAfter, maxCachedDecisions, idempotencyWindow, expirySweep,
        DEFAULT_SUBMISSIONS_PER_MINUTE, DEFAULT_MAX_PENDING_PER_PROPOSER, DEFAULT_REVERIFY_EVERY);
  }

  /**
   * 127.0.0.1:8080, 64 KiB bodies, 5 s ledger timeout, Retry-After 2 s, 128 decision states in memory
   * (see docs/design.md, "Bounded memory"),
   * 100,000 idempotency keys, 1 s sweep, 1,200,000 submissions per caller and minute, 100,000 pending
   * decisions per proposer, the ledger verified again every hour.
   */
  public static ServerConfig defaults() {
    return new ServerConfig("127.0.0.1", 8080, 64 * 1024, Duration.ofSeconds(5), Duration.ofSeconds(2), 128,
        100_000, Duration.ofSeconds(1));
  }

  public ServerConfig withAddress(String host, int port) {
    return new ServerConfig(host, port, maxBodyBytes, ledgerTimeout, retryAfter, maxCachedDecisions, idempotencyWindow, expirySweep,
        submissionsPerMinute, maxPendingPerProposer, reverifyEvery);
  }

  public ServerConfig withLedgerTimeout(Duration timeout) {
    return new ServerConfig(host, port, maxBodyBytes, timeout, retryAfter, maxCachedDecisions, idempotencyWindow, expirySweep,
        submissionsPerMinute, maxPendingPerProposer, reverifyEvery);
  }

  /** These per-caller quotas on {@code POST /v1/decisions} (see the record's parameters). */
  public ServerConfig withSubmissionQuota(int perMinute, int maxPending) {
    return new ServerConfig(host, port, maxBodyBytes, ledgerTimeout, retryAfter, maxCachedDecisions, idempotencyWindow, expirySweep,
        perMinute, maxPending, reverifyEvery);
  }

  /** Verifies the whole ledger again every {@code every} while running ({@link Duration#ZERO}: only at start). */
  public ServerConfig withReverifyEvery(Duration every) {
    return new ServerConfig(host, port, maxBodyBytes, ledgerTimeout, retryAfter, maxCachedDecisions, idempotencyWindow, expirySweep,
        submissionsPerMinute, maxPendingPerProposer, every);
  }

  private static void requirePositive(Duration d, String name) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be a positive duration, got " + d);
    }
  }
}
