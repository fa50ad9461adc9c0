package dev.arbiter.core.policy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Writes small bundles for tests. */
public final class TestBundles {
  public static final String BUNDLE_YAML =
      """
      version: "t1"
      classes:
        read: {tools: ["*"]}
        deploy: {tools: [deployer]}
        transfer: {tools: [payments-api]}
      """;

  public static final String AUTO_ROUTES =
      """
      routes:
        - id: approvals
          match: {bands: [high, critical]}
          require: {min_level: L2, min_signatures: 2}
        - id: auto
          match: {bands: [low, medium]}
          require: {min_signatures: 0}
        - id: fallback-approval
          match: {}
          require: {min_level: L3, min_signatures: 1}
      """;

  private TestBundles() {}

  public static Path write(Path dir, Map<String, String> files) {
    try {
      for (var e : files.entrySet()) {
        Files.writeString(dir.resolve(e.getKey()), e.getValue());
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A bundle with the given gates.yaml and the default bundle, no risk factors, auto routes. */
  public static PolicyBundle withGates(Path dir, String gatesYaml) throws Exception {
    write(dir, Map.of("bundle.yaml", BUNDLE_YAML, "gates.yaml", gatesYaml, "authority.yaml", AUTO_ROUTES));
    return PolicyBundles.loadDirectory(dir);
  }

  public static Path examplePolicy() {
    Path p = Path.of("../examples/policy");
    if (!Files.isDirectory(p)) {
      p = Path.of("examples/policy");
    }
    return p;
  }
}
