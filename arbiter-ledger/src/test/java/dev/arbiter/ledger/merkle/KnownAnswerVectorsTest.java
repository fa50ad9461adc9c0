package dev.arbiter.ledger.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every transparency-dev/merkle vector in {@code src/test/resources/merkle/} through {@link
 * ProofVerifier}: {@code wantErr=false} must verify, {@code wantErr=true} must throw. Vectors are
 * named by the tampering they apply. JSON numbers are uint64; values of 2^63 and above become
 * negative longs, which the verifier rejects as impossible exactly where verify.go rejects them as
 * out of range.
 */
class KnownAnswerVectorsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Every directory of vectors and how many files it holds, so none can silently go missing. */
  private static final Map<String, Integer> EXPECTED_FILES =
      new TreeMap<>(
          Map.ofEntries(
              Map.entry("consistency/0", 1),
              Map.entry("consistency/1", 21),
              Map.entry("consistency/2", 21),
              Map.entry("consistency/3", 20),
              Map.entry("consistency/4", 21),
              Map.entry("consistency/additional", 14),
              Map.entry("inclusion/0", 13),
              Map.entry("inclusion/1", 18),
              Map.entry("inclusion/2", 18),
              Map.entry("inclusion/3", 15),
              Map.entry("inclusion/4", 18),
              Map.entry("inclusion/additional/0", 3),
              Map.entry("inclusion/additional/1", 3),
              Map.entry("inclusion/additional/2", 3),
              Map.entry("inclusion/additional/3", 3),
              Map.entry("inclusion/single-entry", 4)));

  @Test
  void vectors_everyDirectoryIsPresentAndNonEmpty() throws IOException {
    Map<String, Integer> found = new TreeMap<>();
    for (Path file : vectorFiles("inclusion")) {
      found.merge(relativeDir(file), 1, Integer::sum);
    }
    for (Path file : vectorFiles("consistency")) {
      found.merge(relativeDir(file), 1, Integer::sum);
    }
    assertThat(found).isEqualTo(EXPECTED_FILES);
    assertThat(found.values()).allSatisfy(count -> assertThat(count).isPositive());
    assertThat(found.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(196);
  }

  @TestFactory
  Stream<DynamicNode> inclusionVectors() throws IOException {
    List<Path> files = vectorFiles("inclusion");
    assertThat(files).isNotEmpty();
    return byDirectory(files, KnownAnswerVectorsTest::inclusionTest);
  }

  @TestFactory
  Stream<DynamicNode> consistencyVectors() throws IOException {
    List<Path> files = vectorFiles("consistency");
    assertThat(files).isNotEmpty();
    return byDirectory(files, KnownAnswerVectorsTest::consistencyTest);
  }

  private static DynamicTest inclusionTest(Path file) {
    return DynamicTest.dynamicTest(
        file.getFileName().toString(),
        file.toUri(),
        () -> {
          JsonNode v = JSON.readTree(file.toFile());
          long leafIndex = uint64(v, "leafIdx");
          long treeSize = uint64(v, "treeSize");
          byte[] root = bytes(v.get("root"));
          byte[] leafHash = bytes(v.get("leafHash"));
          List<byte[]> proof = hashes(v.get("proof"));
          if (v.get("wantErr").asBoolean()) {
            assertThatThrownBy(
                    () -> ProofVerifier.verifyInclusion(leafHash, leafIndex, treeSize, proof, root))
                .as(v.get("desc").asText())
                .isInstanceOf(ProofVerificationException.class);
          } else {
            ProofVerifier.verifyInclusion(leafHash, leafIndex, treeSize, proof, root);
            assertThat(ProofVerifier.rootFromInclusionProof(leafHash, leafIndex, treeSize, proof))
                .isEqualTo(root);
          }
        });
  }

  private static DynamicTest consistencyTest(Path file) {
    return DynamicTest.dynamicTest(
        file.getFileName().toString(),
        file.toUri(),
        () -> {
          JsonNode v = JSON.readTree(file.toFile());
          long size1 = uint64(v, "size1");
          long size2 = uint64(v, "size2");
          byte[] root1 = bytes(v.get("root1"));
          byte[] root2 = bytes(v.get("root2"));
          List<byte[]> proof = hashes(v.get("proof"));
          if (v.get("wantErr").asBoolean()) {
            assertThatThrownBy(
                    () -> ProofVerifier.verifyConsistency(size1, size2, proof, root1, root2))
                .as(v.get("desc").asText())
                .isInstanceOf(ProofVerificationException.class);
          } else {
            ProofVerifier.verifyConsistency(size1, size2, proof, root1, root2);
          }
        });
  }

  private static Stream<DynamicNode> byDirectory(
      List<Path> files, java.util.function.Function<Path, DynamicTest> toTest) {
    Map<String, List<DynamicTest>> byDir = new TreeMap<>();
    for (Path file : files) {
      byDir.computeIfAbsent(relativeDir(file), d -> new ArrayList<>()).add(toTest.apply(file));
    }
    return byDir.entrySet().stream()
        .map(e -> DynamicContainer.dynamicContainer(e.getKey(), e.getValue().stream()));
  }

  private static List<Path> vectorFiles(String kind) throws IOException {
    try (Stream<Path> walk = Files.walk(root().resolve(kind))) {
      return walk.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
  }

  private static Path root() {
    URL url = KnownAnswerVectorsTest.class.getResource("/merkle");
    assertThat(url).as("test resources merkle/ on the classpath").isNotNull();
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String relativeDir(Path file) {
    return root().relativize(file.getParent()).toString().replace('\\', '/');
  }

  private static long uint64(JsonNode v, String field) {
    JsonNode n = v.get(field);
    assertThat(n).as(field).isNotNull();
    assertThat(n.isIntegralNumber()).as(field + " is an integer").isTrue();
    return n.bigIntegerValue().longValue(); // two's complement: >= 2^63 becomes negative
  }

  private static byte[] bytes(JsonNode n) {
    return n == null || n.isNull() ? new byte[0] : Base64.getDecoder().decode(n.asText());
  }

  private static List<byte[]> hashes(JsonNode n) {
    List<byte[]> out = new ArrayList<>();
    if (n != null && !n.isNull()) {
      n.forEach(h -> out.add(bytes(h)));
    }
    return out;
  }
}
