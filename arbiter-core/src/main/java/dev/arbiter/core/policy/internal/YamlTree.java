package dev.arbiter.core.policy.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.arbiter.core.policy.BundleReadException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses one YAML document into {@link YamlNode}s with positions. Duplicate keys, multiple
 * documents, anchors and aliases are malformed input ({@link BundleReadException}), never "last
 * one wins" or a silently wrong value.
 */
public final class YamlTree {
  private static final YAMLFactory FACTORY = YAMLFactory.builder().build();
  /** Node properties at a token's position: an optional tag, then an anchor. */
  private static final Pattern SCALAR_ANCHOR = Pattern.compile("(?:![^\\s]*\\s+)?&([^\\s,\\]}]+)");

  private YamlTree() {}

  public static YamlNode parse(String file, String text) throws BundleReadException {
    try (JsonParser p = FACTORY.createParser(text)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        return new YamlNode.Mapping(Map.of(), Map.of(), 1, 1);
      }
      YamlNode root = read(file, p, text.split("\n", -1));
      if (p.nextToken() != null) {
        throw new BundleReadException(file + ": more than one YAML document");
      }
      return root;
    } catch (IOException e) {
      JsonLocation loc = e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe ? jpe.getLocation() : null;
      String where = loc == null ? "" : ":" + loc.getLineNr() + ":" + loc.getColumnNr();
      String msg = e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
      throw new BundleReadException(file + where + ": malformed YAML: " + firstLine(msg));
    }
  }

  private static YamlNode read(String file, JsonParser p, String[] lines) throws IOException, BundleReadException {
    JsonLocation loc = p.currentTokenLocation();
    int line = loc.getLineNr();
    int col = loc.getColumnNr();
    refuseAnchorsAndAliases(file, p, lines, line, col);
    JsonToken t = p.currentToken();
    switch (t) {
      case START_OBJECT -> {
        Map<String, YamlNode> entries = new LinkedHashMap<>();
        Map<String, int[]> keys = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String key = p.currentName();
          JsonLocation kl = p.currentTokenLocation();
          if (entries.containsKey(key)) {
            throw new BundleReadException(
                file + ":" + kl.getLineNr() + ":" + kl.getColumnNr() + ": duplicate key `" + key + "`");
          }
          refuseAnchorsAndAliases(file, p, lines, kl.getLineNr(), kl.getColumnNr());
          p.nextToken();
          keys.put(key, new int[] {kl.getLineNr(), kl.getColumnNr()});
          entries.put(key, read(file, p, lines));
        }
        return new YamlNode.Mapping(
            Collections.unmodifiableMap(entries), Collections.unmodifiableMap(keys), line, col);
      }
      case START_ARRAY -> {
        List<YamlNode> items = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          items.add(read(file, p, lines));
        }
        return new YamlNode.Sequence(List.copyOf(items), line, col);
      }
      case VALUE_STRING -> {
        char indicator = charAt(lines, line, col);
        boolean block = indicator == '|' || indicator == '>';
        boolean quoted = indicator == '\'' || indicator == '"';
        return new YamlNode.Scalar(p.getText(), "string", quoted, block, line, col);
      }
      case VALUE_NUMBER_INT -> {
        return new YamlNode.Scalar(p.getText(), "int", false, false, line, col);
      }
      case VALUE_NUMBER_FLOAT -> {
        return new YamlNode.Scalar(p.getText(), "float", false, false, line, col);
      }
      case VALUE_TRUE, VALUE_FALSE -> {
        return new YamlNode.Scalar(p.getText(), "bool", false, false, line, col);
      }
      case VALUE_NULL -> {
        return new YamlNode.Scalar("", "null", false, false, line, col);
      }
      default -> throw new BundleReadException(
          file + ":" + line + ":" + col + ": unsupported YAML token " + t);
    }
  }

  /**
   * Anchors ({@code &x}) and aliases ({@code *x}) are unsupported input. Jackson reports an alias
   * as a string holding the anchor's name, so {@code tools: [*t]} would silently allow a tool
   * named {@code t}; expanding them instead would invite alias bombs. Neither is worth it in a
   * policy file, so both are refused where they appear. Jackson reports anchors on mappings and
   * sequences ({@code getObjectId()}) but drops them on scalars, whose token position is the
   * start of the node's properties; so the source text at that position is checked too.
   */
  private static void refuseAnchorsAndAliases(String file, JsonParser p, String[] lines, int line, int col)
      throws IOException, BundleReadException {
    if (!(p instanceof YAMLParser y)) {
      return;
    }
    String where = file + ":" + line + ":" + col + ": ";
    if (y.isCurrentAlias()) {
      throw new BundleReadException(where + "YAML alias `*" + y.getText()
          + "` is not supported: write the value out");
    }
    Object anchor = y.getObjectId();
    if (anchor == null && line >= 1 && line <= lines.length && col >= 1 && col <= lines[line - 1].length()) {
      Matcher m = SCALAR_ANCHOR.matcher(lines[line - 1].substring(col - 1));
      anchor = m.lookingAt() ? m.group(1) : null;
    }
    if (anchor != null) {
      throw new BundleReadException(where + "YAML anchor `&" + anchor
          + "` is not supported: anchors and aliases are refused in policy files");
    }
  }

  private static char charAt(String[] lines, int line, int col) {
    if (line < 1 || line > lines.length || col < 1 || col > lines[line - 1].length()) {
      return 0;
    }
    return lines[line - 1].charAt(col - 1);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unreadable";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
