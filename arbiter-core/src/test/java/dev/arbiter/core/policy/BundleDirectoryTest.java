package dev.arbiter.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which files a bundle directory may hold: a misnamed bundle file is never skipped silently. */
class BundleDirectoryTest {
  @TempDir Path dir;

  @BeforeEach
  void copyExample() throws IOException {
    try (var files = Files.list(TestBundles.examplePolicy())) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Files.copy(p, dir.resolve(p.getFileName().toString()));
      }
    }
  }

  @Test
  void read_whenExampleWithCasesAndOtherFiles_loads() throws Exception {
    Files.writeString(dir.resolve("README.md"), "notes\n");
    Files.createDirectory(dir.resolve("old.yaml"));

    assertThat(BundleSource.read(dir).files()).containsOnlyKeys(BundleSource.FILE_NAMES);
  }

  @Test
  void read_whenRiskFileIsMisnamedYml_refusesWithDidYouMean() throws Exception {
    Files.move(dir.resolve("risk.yaml"), dir.resolve("risk.yml"));

    assertThatThrownBy(() -> PolicyBundles.loadDirectory(dir))
        .isInstanceOf(BundleReadException.class)
        .hasMessageContaining("holds `risk.yml`, which is not a bundle file")
        .hasMessageContaining("did you mean `risk.yaml`?");
  }

  @Test
  void read_whenSeveralStrayYamlFiles_namesThemAll() throws Exception {
    Files.move(dir.resolve("gates.yaml"), dir.resolve("Gates.YAML"));
    Files.writeString(dir.resolve("extra-gates.yaml"), "gates: []\n");

    assertThatThrownBy(() -> BundleSource.read(dir))
        .isInstanceOf(BundleReadException.class)
        .hasMessageContaining("holds `Gates.YAML`, `extra-gates.yaml`, which are not bundle files");
  }
}
