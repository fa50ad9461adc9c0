package dev.arbiter.core.policy.internal;

import java.util.List;
import java.util.Map;

/**
 * A YAML node that remembers where it was written (1-based line and column), so that diagnostics
 * can point at the author's text. Built by {@link YamlTree}.
 */
public sealed interface YamlNode {
  int line();

  int column();

  /** A short name of the node's kind for error messages. */
  String kind();

  record Mapping(Map<String, YamlNode> entries, Map<String, int[]> keyPositions, int line, int column)
      implements YamlNode {
    public String kind() {
      return "mapping";
    }
  }

  record Sequence(List<YamlNode> items, int line, int column) implements YamlNode {
    public String kind() {
      return "list";
    }
  }

  /**
   * A scalar. {@code type} is how YAML typed it: string, int, float, bool or null.
   *
   * @param block whether the text came from a block scalar ({@code |} or {@code >}), which starts on
   *     the line after {@code line}
   */
  record Scalar(String text, String type, boolean quoted, boolean block, int line, int column)
      implements YamlNode {
    public String kind() {
      return type;
    }
  }
}
