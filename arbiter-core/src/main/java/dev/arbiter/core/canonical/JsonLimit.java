package dev.arbiter.core.canonical;

import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The read limits of Arbiter's JSON parsers ({@link JsonDepth#constraints}: a nesting limit chosen by
 * where the JSON comes from, Jackson's defaults for the rest), each with a stable error code.
 *
 * <p>Jackson reports every limit with one exception, {@link StreamConstraintsException}, told apart
 * only by its message. Reading each one as "too deep" answered a 1,001-character number and a
 * 60,000-character field name with "JSON nested more than 64 levels" (black-box run), which sends
 * whoever reads the error after nesting that is not there.
 */
public enum JsonLimit {
  NESTING("too_deep", "Document nesting depth", "levels of nesting"),
  NUMBER("number_too_long", "Number value length", "characters in a number"),
  NAME("name_too_long", "Name length", "characters in a field name"),
  STRING("string_too_long", "String value length", "characters in a string"),
  /** A limit this class does not name (document length, token count: unlimited in Arbiter's parsers). */
  OTHER("too_large", "", "");

  /** Jackson's wording, e.g. {@code Name length (60000) exceeds the maximum allowed (50000, from ...)}. */
  private static final Pattern COUNTS = Pattern.compile("\\((\\d+)\\) exceeds the maximum allowed \\((\\d+)");

  private final String code;
  private final String jacksonPrefix;
  private final String unit;

  JsonLimit(String code, String jacksonPrefix, String unit) {
    this.code = code;
    this.jacksonPrefix = jacksonPrefix;
    this.unit = unit;
  }

  /** The stable code a client can act on: {@code too_deep}, {@code number_too_long}, ... */
  public String code() {
    return code;
  }

  /**
   * Which limit {@code e} reports, what was found and what is allowed, e.g. got {@code a field name
   * of 60000 characters}, want {@code at most 50000 characters in a field name}. Never the input
   * itself: a limit is broken by the shape of the text, not its content.
   */
  public static Breach of(StreamConstraintsException e) {
    String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    JsonLimit limit = OTHER;
    for (JsonLimit l : values()) {
      if (l != OTHER && message.startsWith(l.jacksonPrefix)) {
        limit = l;
        break;
      }
    }
    Matcher m = COUNTS.matcher(message);
    if (limit == OTHER || !m.find()) {
      // Jackson's own words, without the name of the Java method that sets the limit.
      return new Breach(limit, message.replaceAll(", from `[^`]*`", ""),
          limit == OTHER ? "JSON within the parser's limits" : "fewer " + limit.unit);
    }
    String found = m.group(1);
    String max = m.group(2);
    String got = switch (limit) {
      case NESTING -> "JSON nested more than " + max + " levels";
      case NUMBER -> "a number of " + found + " characters";
      case NAME -> "a field name of " + found + " characters";
      case STRING -> "a string of " + found + " characters";
      case OTHER -> throw new AssertionError(limit);
    };
    return new Breach(limit, got, "at most " + max + " " + limit.unit);
  }

  /** A broken limit, worded for a {@code got}/{@code want} error. */
  public record Breach(JsonLimit limit, String got, String want) {}
}
