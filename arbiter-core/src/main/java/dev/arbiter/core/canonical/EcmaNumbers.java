package dev.arbiter.core.canonical;

import java.math.BigDecimal;

/**
 * ECMAScript {@code Number.prototype.toString} for finite doubles (ECMA-262 §6.1.6.1.20,
 * "Number::toString"), which RFC 8785 §3.2.2.3 adopts for JSON numbers.
 *
 * <p>The shortest round-tripping digits come from {@link Double#toString(double)}, which since
 * JDK 19 (JDK-4511638) returns the shortest decimal that rounds to the double, choosing the closest
 * (ties to even) among equally short ones: the same digits ECMAScript asks for. The one exception is
 * that the JDK renders at least two significant digits when a one-digit decimal would do but a
 * two-digit one is closer; that is only possible for subnormals (e.g. {@code 4.9E-324}, which
 * ECMAScript writes {@code 5e-324}) and is corrected here. This class only re-places the decimal
 * point and formats the exponent the way ECMAScript does.
 */
final class EcmaNumbers {
  private static final double TWO_POW_53 = 0x1p53;

  private EcmaNumbers() {}

  /** The ECMAScript rendering of a finite double, as a String (used off the hot path). */
  static String toString(double value) {
    ByteSink sink = new ByteSink(32);
    write(value, sink);
    return new String(sink.toByteArray(), java.nio.charset.StandardCharsets.US_ASCII);
  }

  /** Writes the ECMAScript rendering of {@code value}, which the caller checked is finite. */
  static void write(double value, ByteSink out) {
    if (value == 0) {
      out.write('0'); // both +0 and -0
      return;
    }
    double v = value;
    if (v < 0) {
      out.write('-');
      v = -v;
    }
    if (v < TWO_POW_53 && v == Math.rint(v)) {
      writeLong((long) v, out); // exact integer with at most 16 digits: ECMAScript writes it plainly
      return;
    }
    String s = Double.toString(v);
    byte[] digits = new byte[20];
    int count = 0;
    int pointPos = 0;
    int i = 0;
    int len = s.length();
    for (; i < len; i++) {
      char c = s.charAt(i);
      if (c == '.') {
        pointPos = count;
      } else if (c == 'E') {
        break;
      } else {
        digits[count++] = (byte) c;
      }
    }
    int exp = i < len ? Integer.parseInt(s, i + 1, len, 10) : 0;
    // value = 0.d1d2...dk × 10^n  (ECMAScript's n)
    int n = pointPos + exp;
    int start = 0;
    while (digits[start] == '0') {
      start++;
      n--;
    }
    int end = count;
    while (digits[end - 1] == '0') {
      end--;
    }
    if (end - start == 2 && v < 1e-290) {
      int[] fixed = oneDigitIfRoundTrips(v, digits[start] - '0', n);
      if (fixed != null) {
        digits[start] = (byte) ('0' + fixed[0]);
        end = start + 1;
        n = fixed[1];
      }
    }
    layout(digits, start, end, n, out);
  }

  private static void layout(byte[] d, int start, int end, int n, ByteSink out) {
    int k = end - start;
    out.ensure(k + 28);
    if (k <= n && n <= 21) {
      for (int j = start; j < end; j++) {
        out.putUnchecked(d[j]);
      }
      for (int j = k; j < n; j++) {
        out.putUnchecked('0');
      }
    } else if (0 < n && n <= 21) {
      for (int j = 0; j < k; j++) {
        if (j == n) {
          out.putUnchecked('.');
        }
        out.putUnchecked(d[start + j]);
      }
    } else if (-6 < n && n <= 0) {
      out.putUnchecked('0');
      out.putUnchecked('.');
      for (int j = n; j < 0; j++) {
        out.putUnchecked('0');
      }
      for (int j = start; j < end; j++) {
        out.putUnchecked(d[j]);
      }
    } else {
      out.putUnchecked(d[start]);
      if (k > 1) {
        out.putUnchecked('.');
        for (int j = start + 1; j < end; j++) {
          out.putUnchecked(d[j]);
        }
      }
      int e = n - 1;
      out.putUnchecked('e');
      out.putUnchecked(e < 0 ? '-' : '+');
      writeLong(Math.abs(e), out);
    }
  }

  /**
   * For a two-digit subnormal rendering {@code 0.d1d2 × 10^n}: the one-digit decimal ECMAScript
   * prefers if one rounds to the same double, as {digit, n}; null otherwise.
   */
  private static int[] oneDigitIfRoundTrips(double v, int d1, int n) {
    BigDecimal exact = new BigDecimal(v);
    int[] best = null;
    BigDecimal bestDistance = null;
    for (int candidate : new int[] {d1, d1 + 1}) {
      int digit = candidate == 10 ? 1 : candidate;
      int cn = candidate == 10 ? n + 1 : n;
      if (digit == 0) {
        continue;
      }
      BigDecimal decimal = new BigDecimal(java.math.BigInteger.valueOf(digit), -(cn - 1));
      if (decimal.doubleValue() != v) {
        continue;
      }
      BigDecimal distance = decimal.subtract(exact).abs();
      int cmp = bestDistance == null ? -1 : distance.compareTo(bestDistance);
      if (cmp < 0 || (cmp == 0 && digit % 2 == 0)) {
        best = new int[] {digit, cn};
        bestDistance = distance;
      }
    }
    return best;
  }

  static void writeLong(long value, ByteSink out) {
    if (value == Long.MIN_VALUE) {
      out.writeAscii("-9223372036854775808");
      return;
    }
    long v = value;
    out.ensure(20);
    if (v < 0) {
      out.putUnchecked('-');
      v = -v;
    }
    byte[] tmp = new byte[19];
    int p = tmp.length;
    do {
      tmp[--p] = (byte) ('0' + (v % 10));
      v /= 10;
    } while (v != 0);
    for (int j = p; j < tmp.length; j++) {
      out.putUnchecked(tmp[j]);
    }
  }
}
