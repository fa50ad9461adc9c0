package dev.arbiter.server.identity;

import dev.arbiter.core.crypto.Sha256;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tokens that {@link TokenVerifier} verified in full, so that a client presenting the same access
 * token again (every request of a session does) skips the signature check. Checking an ES256 token
 * costs one ECDSA P-256 verification (≈0.6 ms of CPU on the JDK provider); a hit costs one SHA-256 of
 * the token and a map lookup.
 *
 * <ul>
 *   <li><b>Key</b>: SHA-256 of the exact token string. A token that differs in any character (a
 *       tampered signature, claims or header) has another key and goes through full verification.
 *   <li><b>Value</b>: the {@link Principal} built from the verified claims, and the instant until
 *       which it may be served: {@code min(exp, verifiedAt + ttl)}. A hit requires {@code now <
 *       validUntil} on the verifier's injected clock. The cache never applies the clock skew: past
 *       {@code exp} the token is verified in full again, which still applies the skew, so a cached
 *       token is accepted for no longer than an uncached one.
 *   <li><b>Only successes</b> are cached; a refusal is decided again every time (a refusal is cheap
 *       for the tokens that matter: foreign or malformed ones fail before any signature check).
 *   <li><b>Bounded</b>: at most {@code maxEntries}. When full, entries that can no longer be served
 *       are dropped, then arbitrary ones (whatever the map iterates first): eviction only costs a
 *       re-verification.
 * </ul>
 *
 * <p><b>Trade-off</b>: a token verified before its signing key was removed from the issuer's JWKS
 * (key rotation after a compromise) is still accepted for at most {@code ttl} after it was verified,
 * and never past its {@code exp}. Role changes at the IdP do not reach a cached token earlier than
 * that either; they never reach an already issued token anyway. Set {@code ttl} to the revocation
 * delay you accept ({@link #DEFAULT_TTL} = 60 s), or disable the cache with {@link #DISABLED}.
 *
 * <p>Thread-safe and lock-free on the read path.
 */
public final class VerifiedTokenCache {
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(60);
  public static final int DEFAULT_MAX_ENTRIES = 50_000;
  public static final int MAX_MAX_ENTRIES = 10_000_000;

  /** Settings of the cache; {@link #DISABLED} verifies every token in full. */
  public record Settings(Duration ttl, int maxEntries) {
    public Settings {
      Objects.requireNonNull(ttl, "ttl");
      if (ttl.isNegative() || ttl.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("token cache ttl must be between 0 and 1 h, got " + ttl);
      }
      if (maxEntries < 0 || maxEntries > MAX_MAX_ENTRIES) {
        throw new IllegalArgumentException("token cache max entries must be 0.." + MAX_MAX_ENTRIES + ", got " + maxEntries);
      }
    }

    boolean enabled() {
      return maxEntries > 0 && !ttl.isZero();
    }
  }

  public static final Settings DEFAULTS = new Settings(DEFAULT_TTL, DEFAULT_MAX_ENTRIES);
  public static final Settings DISABLED = new Settings(Duration.ZERO, 0);

  private record Entry(Principal principal, Instant validUntil) {}

  private final Settings settings;
  private final ConcurrentHashMap<ByteBuffer, Entry> entries;

  VerifiedTokenCache(Settings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.entries = new ConcurrentHashMap<>(settings.enabled() ? Math.min(settings.maxEntries(), 1024) : 1);
  }

  /** The key of a token: SHA-256 of its UTF-8 bytes. */
  static ByteBuffer keyOf(String token) {
    return ByteBuffer.wrap(Sha256.digest(token.getBytes(StandardCharsets.UTF_8)));
  }

  /** The principal of a token verified earlier, while it may still be served at {@code now}. */
  Optional<Principal> get(ByteBuffer key, Instant now) {
    if (!settings.enabled()) {
      return Optional.empty();
    }
    Entry e = entries.get(key);
    if (e == null) {
      return Optional.empty();
    }
    if (!now.isBefore(e.validUntil())) {
      entries.remove(key, e);
      return Optional.empty();
    }
    return Optional.of(e.principal());
  }

  /** Remembers a token that was just verified in full at {@code now} and expires at {@code exp}. */
  void put(ByteBuffer key, Principal principal, Instant exp, Instant now) {
    if (!settings.enabled()) {
      return;
    }
    Instant capped = now.plus(settings.ttl());
    Instant validUntil = exp.isBefore(capped) ? exp : capped;
    if (!now.isBefore(validUntil)) {
      return;
    }
    if (entries.size() >= settings.maxEntries()) {
      evict(now);
    }
    entries.put(key, new Entry(principal, validUntil));
  }

  /** Drops unservable entries, then arbitrary ones, until there is room for one more (plus slack). */
  private void evict(Instant now) {
    entries.values().removeIf(e -> !now.isBefore(e.validUntil()));
    int target = settings.maxEntries() - Math.max(1, settings.maxEntries() / 16);
    Iterator<ByteBuffer> it = entries.keySet().iterator();
    while (entries.size() > target && it.hasNext()) {
      it.next();
      it.remove();
    }
  }

  /** Number of cached tokens (for tests and diagnostics). */
  int size() {
    return entries.size();
  }

  Settings settings() {
    return settings;
  }
}
