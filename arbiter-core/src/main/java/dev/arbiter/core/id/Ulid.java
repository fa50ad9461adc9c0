package dev.arbiter.core.id;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Random;

/**
 * ULID generation (26 characters of Crockford base32: 48-bit millisecond timestamp, then 80 random
 * bits). Used for {@code dec_} decision ids and {@code evt_} event ids: sortable by creation time,
 * unguessable, and stable once assigned.
 *
 * <p>The clock and the randomness are injected (STYLE 13); production code passes {@link
 * Clock#systemUTC()} and a {@link SecureRandom}.
 */
public final class Ulid {
  private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
  private static final long MAX_TIME = (1L << 48) - 1;

  private final Clock clock;
  private final Random random;

  private Ulid(Clock clock, Random random) {
    this.clock = clock;
    this.random = random;
  }

  public static Ulid create(Clock clock, Random random) {
    if (clock == null || random == null) {
      throw new IllegalArgumentException("clock and random are required");
    }
    return new Ulid(clock, random);
  }

  /** A generator on the system clock and a fresh {@link SecureRandom}. */
  public static Ulid system() {
    return new Ulid(Clock.systemUTC(), new SecureRandom());
  }

  /** A new 26-character ULID. */
  public String next() {
    long time = clock.millis();
    if (time < 0 || time > MAX_TIME) {
      throw new IllegalStateException("clock out of ULID range: " + time);
    }
    byte[] entropy = new byte[10];
    random.nextBytes(entropy);
    char[] out = new char[26];
    // 48-bit time -> 10 chars (the first carries only 3 bits).
    for (int i = 9; i >= 0; i--) {
      out[i] = ALPHABET[(int) (time & 31)];
      time >>>= 5;
    }
    // 80 random bits -> 16 chars.
    long hi = ((entropy[0] & 0xffL) << 32) | ((entropy[1] & 0xffL) << 24) | ((entropy[2] & 0xffL) << 16)
        | ((entropy[3] & 0xffL) << 8) | (entropy[4] & 0xffL);
    long lo = ((entropy[5] & 0xffL) << 32) | ((entropy[6] & 0xffL) << 24) | ((entropy[7] & 0xffL) << 16)
        | ((entropy[8] & 0xffL) << 8) | (entropy[9] & 0xffL);
    for (int i = 17; i >= 10; i--) {
      out[i] = ALPHABET[(int) (hi & 31)];
      hi >>>= 5;
    }
    for (int i = 25; i >= 18; i--) {
      out[i] = ALPHABET[(int) (lo & 31)];
      lo >>>= 5;
    }
    return new String(out);
  }

  /** True when {@code s} is 26 characters of Crockford base32 with a first character ≤ '7'. */
  public static boolean isValid(String s) {
    if (s == null || s.length() != 26 || s.charAt(0) > '7') {
      return false;
    }
    for (int i = 0; i < 26; i++) {
      if (indexOf(s.charAt(i)) < 0) {
        return false;
      }
    }
    return true;
  }

  private static int indexOf(char c) {
    for (int i = 0; i < ALPHABET.length; i++) {
      if (ALPHABET[i] == c) {
        return i;
      }
    }
    return -1;
  }
}
