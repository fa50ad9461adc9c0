package dev.arbiter.core.policy;

import java.util.Set;

/**
 * An allowed action class and the tools that may execute it. {@code anyTool} (written {@code "*"})
 * admits any tool, including a request that names none.
 */
public record ActionClassRule(String name, Set<String> tools, boolean anyTool) {
  public ActionClassRule {
    tools = Set.copyOf(tools);
  }

  public boolean allowsTool(String tool) {
    return anyTool || tools.contains(tool);
  }
}
