package dev.arbiter.core.canonical;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;

/**
 * Strict JSON reading for everything Arbiter hashes, signs or verifies: exactly one JSON value in
 * UTF-8, no duplicate object keys (at the parser and in trees), no trailing tokens, no comments, no
 * {@code NaN}/{@code Infinity}, no single quotes, no unquoted names, no leading zeros, no byte order
 * mark. A duplicate key is the classic way to make two readers see two different documents under one
 * signature, so it is refused rather than resolved.
 *
 * <p>{@link #parse(byte[])} uses a private, never-exposed reader: changing the mapper returned by
 * {@link #mapper()} cannot weaken it.
 */
public final class StrictJson {
  private static final ObjectMapper INTERNAL = newStrictMapper(JsonDepth.STRICT);
  private static final ObjectMapper RECORDED = newStrictMapper(JsonDepth.STORED);
  private static final ObjectReader RECORDED_READER = RECORDED.reader();
  private static final ObjectMapper SHARED = newStrictMapper(JsonDepth.STRICT);
  private static final ObjectReader TREE_READER = INTERNAL.reader();

  private StrictJson() {}

  /**
   * A shared {@link ObjectMapper} with the strict settings described above, for data binding.
   * Treat it as read-only: it is shared by every caller. Call {@link ObjectMapper#copy()} to derive
   * a differently configured mapper.
   */
  public static ObjectMapper mapper() {
    return SHARED;
  }

  static ObjectMapper internalMapper() {
    return INTERNAL;
  }

  /**
   * Parses exactly one strict JSON value from UTF-8 bytes.
   *
   * @throws JsonInputException with line, column and JSON path if the bytes are not strict JSON
   */
  public static JsonNode parse(byte[] json) {
    return parse(json, INTERNAL, TREE_READER);
  }

  /**
   * {@link #parse} for what a ledger recorded, at any version: nesting up to {@link
   * JsonDepth#STORED} (earlier versions accepted requests up to Jackson's 1,000 levels).
   */
  public static JsonNode parseRecorded(byte[] json) {
    return parse(json, RECORDED, RECORDED_READER);
  }

  /** Compact JSON text of what {@link #parseRecorded} read ({@code JsonNode.toString()} stops at 1,000 levels). */
  public static String writeRecorded(JsonNode node) {
    try {
      return RECORDED.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new JsonInputException("$", -1, -1, e.getOriginalMessage(), e);
    }
  }

  private static JsonNode parse(byte[] json, ObjectMapper mapper, ObjectReader reader) {
    Objects.requireNonNull(json, "json");
    rejectNonUtf8Encodings(json);
    char[] text = decodeUtf8(json);
    JsonNode node;
    try (JsonParser parser = mapper.getFactory().createParser(text)) {
      node = reader.readTree(parser);
    } catch (JsonProcessingException e) {
      throw translate(e);
    } catch (IOException e) {
      throw new JsonInputException("$", -1, -1, e.toString(), e);
    }
    if (node == null || node.isMissingNode()) {
      throw new JsonInputException("$", 1, 1, "no JSON value (empty input)", null);
    }
    return node;
  }

  /**
   * Strict UTF-8 decoding (malformed bytes and encoded surrogates refused) done here rather than by
   * Jackson's byte parser, which in 2.21.0/2.21.1 rejects escaped surrogate pairs in member names
   * (<code>{"&#92;ud83d&#92;ude00":1}</code>, jackson-core#1541, fixed in 2.21.2).
   */
  private static char[] decodeUtf8(byte[] json) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(json);
    CharBuffer out = CharBuffer.allocate(json.length);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isUnderflow()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      int offset = in.position();
      long line = 1;
      int lineStart = 0;
      for (int i = 0; i < offset; i++) {
        if (json[i] == '\n') {
          line++;
          lineStart = i + 1;
        }
      }
      throw new JsonInputException(
          "$", line, offset - lineStart + 1, "invalid UTF-8 at byte offset " + offset, null);
    }
    return Arrays.copyOf(out.array(), out.position());
  }

  private static void rejectNonUtf8Encodings(byte[] json) {
    if (json.length >= 3 && (json[0] & 0xFF) == 0xEF && (json[1] & 0xFF) == 0xBB && (json[2] & 0xFF) == 0xBF) {
      throw new JsonInputException("$", 1, 1, "byte order mark is not allowed; send plain UTF-8", null);
    }
    // JSON starts with an ASCII character, so UTF-16 or UTF-32 text has a 0x00 in its first bytes.
    if ((json.length >= 1 && json[0] == 0) || (json.length >= 2 && json[1] == 0)) {
      throw new JsonInputException("$", 1, 1, "text is not UTF-8 (looks like UTF-16 or UTF-32)", null);
    }
  }

  private static JsonInputException translate(JsonProcessingException e) {
    JsonLocation loc = e.getLocation();
    long line = loc == null ? -1 : loc.getLineNr();
    long column = loc == null ? -1 : loc.getColumnNr();
    String path = "$";
    if (e instanceof StreamReadException sre && sre.getProcessor() instanceof JsonParser p) {
      path = jsonPath(p.getParsingContext());
    } else if (e instanceof JsonMappingException jme) {
      path = jsonPath(jme);
    }
    return new JsonInputException(path, line, column, e.getOriginalMessage(), e);
  }

  private static String jsonPath(JsonStreamContext context) {
    Deque<String> segments = new ArrayDeque<>();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inArray()) {
        segments.push("[" + Math.max(0, c.getCurrentIndex()) + "]");
      } else if (c.inObject() && c.getCurrentName() != null) {
        segments.push(nameSegment(c.getCurrentName()));
      }
    }
    return "$" + String.join("", segments);
  }

  private static String jsonPath(JsonMappingException e) {
    StringBuilder b = new StringBuilder("$");
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        b.append(nameSegment(r.getFieldName()));
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }

  private static String nameSegment(String name) {
    boolean simple = !name.isEmpty() && name.chars().allMatch(c -> c == '_' || (c < 0x80 && Character.isLetterOrDigit(c)));
    if (simple) {
      return "." + name;
    }
    String shown = name.length() > 64 ? name.substring(0, 64) + "…" : name;
    return "[\"" + shown.replace("\\", "\\\\").replace("\"", "\\\"") + "\"]";
  }

  private static ObjectMapper newStrictMapper(int maxDepth) {
    JsonFactory factory =
        JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
            .disable(JsonReadFeature.ALLOW_YAML_COMMENTS)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(JsonReadFeature.ALLOW_SINGLE_QUOTES)
            .disable(JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES)
            .disable(JsonReadFeature.ALLOW_LEADING_ZEROS_FOR_NUMBERS)
            .disable(JsonReadFeature.ALLOW_TRAILING_COMMA)
            .disable(JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS)
            .streamReadConstraints(JsonDepth.constraints(maxDepth))
            .streamWriteConstraints(com.fasterxml.jackson.core.StreamWriteConstraints.builder().maxNestingDepth(maxDepth).build())
            .build();
    return JsonMapper.builder(factory)
        .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .build();
  }
}
