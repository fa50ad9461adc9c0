package dev.arbiter.core.policy.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.arbiter.core.policy.BundleReadException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses one YAML document into {@link YamlNode}s with positions. Duplicate keys and multiple
 * documents are malformed input ({@link BundleReadException}), never "last one wins".
 */
public final class YamlTree {
  private static final YAMLFactory FACTORY = YAMLFactory.builder().build();

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
