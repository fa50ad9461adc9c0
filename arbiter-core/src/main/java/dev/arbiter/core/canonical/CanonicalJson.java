package dev.arbiter.core.canonical;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): the one byte form of a JSON value that Arbiter hashes
 * and signs.
 *
 * <p>Layout (RFC 8785 §3.2): no whitespace; object members sorted by their names compared as
 * sequences of UTF-16 code units ({@link String#compareTo}); strings as UTF-8 with only {@code \"}
 * {@code \\} {@code \b} {@code \f} {@code \n} {@code \r} {@code \t} escaped by name, other control
 * characters below U+0020 as <code>&#92;u00XX</code> (lowercase hex) and everything else literal; numbers as
 * IEEE 754 doubles rendered by ECMAScript's {@code Number.prototype.toString} ({@link EcmaNumbers});
 * {@code true}, {@code false}, {@code null} as themselves.
 *
 * <p>Refused with {@link CanonicalJsonException} (never silently altered), naming the JSON path:
 *
 * <ul>
 *   <li>non-finite numbers (NaN, ±Infinity, or a decimal beyond the double range);
 *   <li>integers whose value would not survive the trip through a double: an integer above 2^53 in
 *       magnitude is accepted only if its decimal text is already exactly its canonical rendering
 *       (e.g. {@code 100000000000000000000}, which is how JCS writes the double {@code 1e20});
 *       {@code 9007199254740993} or a 64-bit id is refused. Carry such values as strings. This rule
 *       keeps every canonical output a fixed point: {@code encode(parse(encode(x)))} equals
 *       {@code encode(x)} for every accepted {@code x};
 *   <li>strings containing a lone surrogate (not Unicode, so not I-JSON);
 *   <li>nodes that are not JSON (POJO nodes, missing nodes).
 * </ul>
 *
 * <p>Decimal numbers are converted to the nearest double, as RFC 8785 requires (so
 * {@code 333333333.33333329} becomes {@code 333333333.3333333}); floats are widened through their
 * shortest decimal text, so {@code 0.1f} is {@code 0.1}. Binary nodes are written as the base64 text
 * Jackson would write. Output goes straight to a byte buffer; the only intermediate String is
 * {@link Double#toString} for non-integral numbers.
 *
 * <p>Thread-safe; stateless.
 */
public final class CanonicalJson {
  private static final BigInteger TWO_POW_53 = BigInteger.ONE.shiftLeft(53);
  private static final long TWO_POW_53_LONG = 1L << 53;
  private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
  private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
  private static final byte[] NULL = {'n', 'u', 'l', 'l'};
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  /** For ASCII c: 0 = literal, a letter = short escape ({@code \n}), 'u' = <code>&#92;u00XX</code>. */
  private static final byte[] ESCAPE = new byte[128];

  static {
    for (int c = 0; c < 0x20; c++) {
      ESCAPE[c] = 'u';
    }
    ESCAPE['\b'] = 'b';
    ESCAPE['\f'] = 'f';
    ESCAPE['\n'] = 'n';
    ESCAPE['\r'] = 'r';
    ESCAPE['\t'] = 't';
    ESCAPE['"'] = '"';
    ESCAPE['\\'] = '\\';
  }

  private CanonicalJson() {}

  /** The canonical UTF-8 bytes of {@code node}. */
  public static byte[] encode(JsonNode node) {
    Objects.requireNonNull(node, "node");
    ByteSink out = new ByteSink(256); // most payloads are small; a large one adds chunks (see ByteSink)
    try {
      write(node, out);
    } catch (PathedFailure f) {
      throw f.toException();
    }
    return out.toByteArray();
  }

  /**
   * The canonical UTF-8 bytes of {@code value}, converted to a JSON tree by Jackson's
   * {@code valueToTree} (records, maps, lists, strings, numbers, booleans; null is {@code null}). A
   * {@link JsonNode} is encoded as itself.
   */
  public static byte[] encode(Object value) {
    if (value instanceof JsonNode node) {
      return encode(node);
    }
    JsonNode tree;
    try {
      tree = StrictJson.internalMapper().valueToTree(value);
    } catch (IllegalArgumentException e) {
      throw new CanonicalJsonException("$", "cannot convert " + typeName(value) + " to JSON: " + e.getMessage(), e);
    }
    return encode(tree == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : tree);
  }

  /** {@link #encode(JsonNode)} as a String (for logs and tests; the bytes are what is signed). */
  public static String encodeToString(JsonNode node) {
    return new String(encode(node), StandardCharsets.UTF_8);
  }

  /** {@link #encode(Object)} as a String (for logs and tests; the bytes are what is signed). */
  public static String encodeToString(Object value) {
    return new String(encode(value), StandardCharsets.UTF_8);
  }

  private static void write(JsonNode node, ByteSink out) {
    switch (node.getNodeType()) {
      case OBJECT -> writeObject(node, out);
      case ARRAY -> writeArray(node, out);
      case STRING -> writeString(node.textValue(), out);
      case NUMBER -> writeNumber(node, out);
      case BOOLEAN -> out.write(node.booleanValue() ? TRUE : FALSE);
      case NULL -> out.write(NULL);
      case BINARY -> writeString(node.asText(), out);
      default -> throw new PathedFailure(node.getNodeType() + " node is not a JSON value");
    }
  }

  private static void writeObject(JsonNode node, ByteSink out) {
    int size = node.size();
    out.write('{');
    if (size > 0) {
      String[] names = new String[size];
      Iterator<String> it = node.fieldNames();
      for (int i = 0; i < size; i++) {
        names[i] = it.next();
      }
      Arrays.sort(names); // String order is UTF-16 code unit order, as RFC 8785 §3.2.3 requires
      for (int i = 0; i < size; i++) {
        String name = names[i];
        if (i > 0) {
          out.write(',');
        }
        try {
          writeString(name, out);
          out.write(':');
          write(node.get(name), out);
        } catch (PathedFailure f) {
          throw f.under(memberSegment(name));
        }
      }
    }
    out.write('}');
  }

  private static void writeArray(JsonNode node, ByteSink out) {
    int size = node.size();
    out.write('[');
    for (int i = 0; i < size; i++) {
      if (i > 0) {
        out.write(',');
      }
      try {
        write(node.get(i), out);
      } catch (PathedFailure f) {
        throw f.under("[" + i + "]");
      }
    }
    out.write(']');
  }

  /**
   * Invariant of the loop: before char {@code i} the sink has room for {@code n - i} more bytes plus
   * the closing quote, so a plain ASCII char needs no check; a char that takes more than one byte
   * makes room for itself and for the rest of the string again.
   */
  private static void writeString(String s, ByteSink out) {
    int n = s.length();
    out.ensure(n + 2);
    out.putUnchecked('"');
    // Most strings are printable ASCII with nothing to escape: find how far that goes, copy it at once.
    int plain = 0;
    while (plain < n) {
      char c = s.charAt(plain);
      if (c >= 0x80 || ESCAPE[c] != 0) {
        break;
      }
      plain++;
    }
    out.putAsciiUnchecked(s, 0, plain);
    for (int i = plain; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        byte esc = ESCAPE[c];
        if (esc == 0) {
          out.putUnchecked(c);
        } else if (esc == 'u') {
          out.ensure(6 + n - i);
          out.putUnchecked('\\');
          out.putUnchecked('u');
          out.putUnchecked('0');
          out.putUnchecked('0');
          out.putUnchecked(HEX[c >> 4]);
          out.putUnchecked(HEX[c & 0xF]);
        } else {
          out.ensure(2 + n - i);
          out.putUnchecked('\\');
          out.putUnchecked(esc);
        }
      } else if (c < 0x800) {
        out.ensure(2 + n - i);
        out.putUnchecked(0xC0 | (c >> 6));
        out.putUnchecked(0x80 | (c & 0x3F));
      } else if (Character.isSurrogate(c)) {
        char low;
        if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(low = s.charAt(i + 1))) {
          int cp = Character.toCodePoint(c, low);
          i++;
          out.ensure(4 + n - i);
          out.putUnchecked(0xF0 | (cp >> 18));
          out.putUnchecked(0x80 | ((cp >> 12) & 0x3F));
          out.putUnchecked(0x80 | ((cp >> 6) & 0x3F));
          out.putUnchecked(0x80 | (cp & 0x3F));
        } else {
          throw new PathedFailure(
              String.format("string has a lone surrogate U+%04X at index %d; JSON text must be Unicode", (int) c, i));
        }
      } else {
        out.ensure(3 + n - i);
        out.putUnchecked(0xE0 | (c >> 12));
        out.putUnchecked(0x80 | ((c >> 6) & 0x3F));
        out.putUnchecked(0x80 | (c & 0x3F));
      }
    }
    out.putUnchecked('"');
  }

  private static void writeNumber(JsonNode node, ByteSink out) {
    switch (node.numberType()) {
      case INT, LONG -> writeInteger(node.longValue(), out);
      case BIG_INTEGER -> writeBigInteger(node.bigIntegerValue(), out);
      case DOUBLE -> writeDouble(node.doubleValue(), node, out);
      case FLOAT -> writeDouble(Double.parseDouble(Float.toString(node.floatValue())), node, out);
      case BIG_DECIMAL -> writeBigDecimal(node.decimalValue(), out);
      default -> throw new PathedFailure("unsupported number type " + node.numberType());
    }
  }

  private static void writeInteger(long v, ByteSink out) {
    if (v >= -TWO_POW_53_LONG && v <= TWO_POW_53_LONG) {
      EcmaNumbers.writeLong(v, out);
    } else {
      writeLargeInteger(BigInteger.valueOf(v), out);
    }
  }

  private static void writeBigInteger(BigInteger v, ByteSink out) {
    if (v.abs().compareTo(TWO_POW_53) <= 0) {
      EcmaNumbers.writeLong(v.longValue(), out);
    } else {
      writeLargeInteger(v, out);
    }
  }

  private static void writeLargeInteger(BigInteger v, ByteSink out) {
    double d = v.doubleValue();
    String text = v.toString();
    String canonical = Double.isFinite(d) ? EcmaNumbers.toString(d) : "Infinity";
    if (!canonical.equals(text)) {
      throw new PathedFailure(
          "integer "
              + abbreviate(text)
              + " is beyond 2^53 and would change to "
              + abbreviate(canonical)
              + " as an IEEE 754 double; send it as a string");
    }
    out.writeAscii(canonical);
  }

  private static void writeBigDecimal(BigDecimal v, ByteSink out) {
    double d = v.doubleValue();
    if (!Double.isFinite(d)) {
      throw new PathedFailure("number " + abbreviate(v.toString()) + " is outside the IEEE 754 double range");
    }
    EcmaNumbers.write(d, out);
  }

  private static void writeDouble(double d, JsonNode node, ByteSink out) {
    if (!Double.isFinite(d)) {
      throw new PathedFailure("number " + node.asText() + " is not finite; JSON has no NaN or Infinity");
    }
    EcmaNumbers.write(d, out);
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 20) + "…(" + s.length() + " chars)";
  }

  private static String typeName(Object value) {
    return value == null ? "null" : value.getClass().getName();
  }

  private static String memberSegment(String name) {
    if (!name.isEmpty() && name.chars().allMatch(c -> c == '_' || (c < 0x80 && Character.isLetterOrDigit(c)))) {
      return "." + name;
    }
    StringBuilder b = new StringBuilder("[\"");
    for (int i = 0; i < name.length() && i < 64; i++) {
      char c = name.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20 || Character.isSurrogate(c)) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    if (name.length() > 64) {
      b.append('…');
    }
    return b.append("\"]").toString();
  }

  /**
   * Unwinds the recursion on failure, collecting path segments on the way out, so that the success
   * path carries no path bookkeeping at all.
   */
  private static final class PathedFailure extends RuntimeException {
    private final String reason;
    private final List<String> reversedSegments = new ArrayList<>();

    PathedFailure(String reason) {
      super(reason, null, false, false);
      this.reason = reason;
    }

    PathedFailure under(String segment) {
      reversedSegments.add(segment);
      return this;
    }

    CanonicalJsonException toException() {
      StringBuilder path = new StringBuilder("$");
      for (int i = reversedSegments.size() - 1; i >= 0; i--) {
        path.append(reversedSegments.get(i));
      }
      String p = path.toString();
      return new CanonicalJsonException(p, "cannot canonicalize JSON at " + p + ": " + reason);
    }
  }
}
