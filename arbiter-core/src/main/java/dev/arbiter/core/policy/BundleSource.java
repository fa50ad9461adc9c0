package dev.arbiter.core.policy;

import dev.arbiter.core.policy.internal.Suggestions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The source texts of a policy bundle: the four well-known files of a bundle directory ({@link
 * #FILE_NAMES}), keyed by file name. {@code bundle.yaml} is required; the others are optional, and
 * their sections may instead be written inside {@code bundle.yaml} (a single-file bundle).
 * {@code cases.yaml} may sit alongside and is not part of the bundle (not hashed); any other
 * {@code *.yaml}/{@code *.yml} file is refused, so a misnamed bundle file cannot be skipped
 * silently. Other files (a README) are ignored.
 *
 * <p>The canonical form that is hashed and signed is the RFC 8785 JSON of
 * {@code {"files": {<name>: <UTF-8 text>, ...}, "format": "arbiter-policy-bundle-v1"}}: the source
 * texts, byte for byte, so that what is signed is exactly what the author wrote (comments
 * included), and a loaded signed bundle compiles from the very bytes that were verified.
 */
public record BundleSource(Map<String, String> files) {
  public static final String FORMAT = "arbiter-policy-bundle-v1";
  public static final List<String> FILE_NAMES =
      List.of("bundle.yaml", "gates.yaml", "risk.yaml", "authority.yaml");
  /** The one other YAML file a bundle directory may hold: its table-driven tests, not hashed. */
  public static final String CASES_FILE = "cases.yaml";

  public BundleSource {
    for (String name : files.keySet()) {
      if (!FILE_NAMES.contains(name)) {
        throw new IllegalArgumentException("not a bundle file: " + name);
      }
    }
    if (!files.containsKey("bundle.yaml")) {
      throw new IllegalArgumentException("a bundle needs bundle.yaml");
    }
    files = java.util.Collections.unmodifiableMap(new TreeMap<>(files));
  }

  /**
   * Reads a bundle directory, or a single-file bundle (one YAML file holding every section, read
   * as {@code bundle.yaml}).
   */
  public static BundleSource read(Path dir) throws BundleReadException {
    if (Files.isRegularFile(dir)) {
      try {
        return new BundleSource(Map.of("bundle.yaml", utf8(dir.getFileName().toString(),
            dev.arbiter.core.io.BoundedFiles.read(dir, PolicyBundles.MAX_FILE_BYTES))));
      } catch (IOException e) {
        throw new BundleReadException("cannot read `" + dir + "`: " + e.getMessage(), e);
      }
    }
    if (!Files.isDirectory(dir)) {
      throw new BundleReadException("policy bundle `" + dir + "` is neither a directory nor a file");
    }
    refuseStrayYaml(dir);
    Map<String, String> files = new TreeMap<>();
    for (String name : FILE_NAMES) {
      Path p = dir.resolve(name);
      try {
        files.put(name, utf8(name, dev.arbiter.core.io.BoundedFiles.read(p, PolicyBundles.MAX_FILE_BYTES)));
      } catch (NoSuchFileException e) {
        if (name.equals("bundle.yaml")) {
          throw new BundleReadException("policy bundle `" + dir + "` has no bundle.yaml");
        }
      } catch (IOException e) {
        throw new BundleReadException("cannot read `" + p + "`: " + e.getMessage(), e);
      }
    }
    return new BundleSource(files);
  }

  /**
   * A YAML file in the directory that is not a bundle file (nor {@code cases.yaml}) is refused: a
   * misnamed {@code risk.yml} would otherwise be skipped silently, and the bundle would load
   * without its risk factors.
   */
  private static void refuseStrayYaml(Path dir) throws BundleReadException {
    List<String> stray = new ArrayList<>();
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        String name = p.getFileName().toString();
        String lower = name.toLowerCase(Locale.ROOT);
        boolean yaml = lower.endsWith(".yaml") || lower.endsWith(".yml");
        if (yaml && !FILE_NAMES.contains(name) && !name.equals(CASES_FILE) && !Files.isDirectory(p)) {
          stray.add(name);
        }
      }
    } catch (IOException e) {
      throw new BundleReadException("cannot list `" + dir + "`: " + e.getMessage(), e);
    }
    if (stray.isEmpty()) {
      return;
    }
    Collections.sort(stray);
    String first = stray.get(0);
    String hint = Suggestions.closest(first, FILE_NAMES).map(s -> "did you mean `" + s + "`? ").orElse("");
    throw new BundleReadException(
        "policy bundle `" + dir + "` holds " + String.join(", ", stray.stream().map(n -> "`" + n + "`").toList())
            + ", which " + (stray.size() == 1 ? "is not a bundle file" : "are not bundle files") + ": " + hint
            + "a bundle directory holds only " + String.join(", ", FILE_NAMES) + " and " + CASES_FILE
            + "; rename or move the others");
  }

  /** Decodes strict UTF-8; malformed bytes are refused, never replaced. */
  static String utf8(String name, byte[] bytes) throws BundleReadException {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new BundleReadException(name + ": not valid UTF-8");
    }
  }

  /** The canonical bytes (RFC 8785) that are hashed and signed. */
  public byte[] canonicalJson() {
    return BundleCanonicalForm.encode(this);
  }

  /** {@code sha256:<hex>} of {@link #canonicalJson()}: the bundle's content address. */
  public String hash() {
    return BundleCanonicalForm.hash(canonicalJson());
  }
}
