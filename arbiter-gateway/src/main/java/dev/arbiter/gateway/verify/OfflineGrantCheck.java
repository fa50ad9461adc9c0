package dev.arbiter.gateway.verify;

import dev.arbiter.core.crypto.KeyId;
import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.core.grant.Grant;
import dev.arbiter.core.grant.GrantCodec;
import dev.arbiter.core.grant.GrantRejectedException;
import dev.arbiter.ledger.checkpoint.CheckpointVerifier;
import dev.arbiter.ledger.receipt.Receipt;
import dev.arbiter.ledger.receipt.ReceiptVerificationException;
import dev.arbiter.ledger.receipt.ReceiptVerifier;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What the gateway and every tool check about a grant with public keys only, before looking at the
 * request: the engine's signature (pinned keys; the grant's {@code kid} only selects among them),
 * the validity window, and the ledger receipt (checkpoint signature with the pinned ledger key, then
 * the inclusion proof). A grant that passes was issued by the engine and ledgered; whether it fits
 * <em>this</em> request, and whether it was used before, the caller still checks.
 *
 * <p>Immutable and thread-safe.
 */
public final class OfflineGrantCheck {
  private final Map<KeyId, VerifyingKey> engineKeys;
  private final VerifiedCheckpoints checkpoints;
  private final ReceiptVerifier receipts;
  private final Clock clock;
  private final Duration skew;

  /**
   * @param trustedEngineKeys the engine keys grants may be signed with (at least one)
   * @param trustedLedgerKey the key the ledger signs checkpoints with
   * @param skew tolerated clock difference for {@code not_before}/{@code expires_at} (0 to 5 min)
   */
  public OfflineGrantCheck(Collection<VerifyingKey> trustedEngineKeys, VerifyingKey trustedLedgerKey, Clock clock,
      Duration skew) {
    Objects.requireNonNull(trustedEngineKeys, "trustedEngineKeys");
    Objects.requireNonNull(trustedLedgerKey, "trustedLedgerKey");
    if (trustedEngineKeys.isEmpty()) {
      throw new IllegalArgumentException("at least one trusted engine key is required");
    }
    if (skew.isNegative() || skew.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new IllegalArgumentException("skew must be between 0 and 5 minutes, got " + skew);
    }
    for (VerifyingKey k : trustedEngineKeys) {
      // Grants are JWS EdDSA: a trusted engine key of another kind would refuse every grant, silently.
      if (k.algorithm() != dev.arbiter.core.crypto.KeyAlgorithm.ED25519) {
        throw new IllegalArgumentException("an engine key signs grants (JWS EdDSA) and must be Ed25519; "
            + k.keyId() + " is " + k.algorithm().wireName());
      }
    }
    this.engineKeys = trustedEngineKeys.stream().collect(Collectors.toUnmodifiableMap(VerifyingKey::keyId, k -> k, (a, b) -> a));
    this.checkpoints = new VerifiedCheckpoints(new CheckpointVerifier(trustedLedgerKey), VerifiedCheckpoints.DEFAULT_MAX_ENTRIES);
    this.receipts = new ReceiptVerifier(checkpoints);
    this.clock = Objects.requireNonNull(clock, "clock");
    this.skew = skew;
  }

  /**
   * @throws GrantRejectedException with the {@link GrantCodec#verify} codes ({@code malformed},
   *     {@code wrong_type}, {@code algorithm_not_allowed}, {@code unknown_key}, {@code bad_signature},
   *     {@code not_yet_valid}, {@code expired}) or {@code receipt_invalid}
   */
  public Grant verify(String untrustedCompact) throws GrantRejectedException {
    Grant grant = GrantCodec.verify(untrustedCompact, lookup(), clock.instant(), skew);
    Receipt receipt;
    try {
      receipt = Receipt.fromJson(grant.receipt());
    } catch (RuntimeException e) {
      throw new GrantRejectedException("receipt_invalid", "grant " + grant.grantId() + ": receipt is malformed: " + e.getMessage());
    }
    try {
      receipts.verify(receipt);
    } catch (ReceiptVerificationException e) {
      throw new GrantRejectedException("receipt_invalid", "grant " + grant.grantId() + ": " + e.getMessage());
    }
    return grant;
  }

  /** The check of recorded starts, under the same pinned ledger key and remembered checkpoints. */
  public StartReceiptCheck startCheck() {
    return new StartReceiptCheck(checkpoints);
  }

  Function<KeyId, Optional<VerifyingKey>> lookup() {
    return id -> Optional.ofNullable(engineKeys.get(id));
  }

  VerifiedCheckpoints checkpoints() {
    return checkpoints;
  }

  Clock clock() {
    return clock;
  }
}
