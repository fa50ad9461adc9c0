package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.policy.PolicyBundle;
import dev.arbiter.core.policy.PolicyBundles;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.LedgerOptions;
import dev.arbiter.ledger.store.EntryQuery;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import dev.arbiter.server.ArbiterServer.PolicySource;
import dev.arbiter.server.config.ServerConfig;
import dev.arbiter.server.engine.PolicyActivation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bundle, once used, is never replaced under the same version; no silent downgrade to a development bundle. */
class PolicyActivationTest {
  private static final dev.arbiter.server.config.SecurityConfig SECURITY = security();

  private static dev.arbiter.server.config.SecurityConfig security() {
    try {
      return TestIdentity.security(dev.arbiter.core.crypto.SigningKey.generate(dev.arbiter.core.crypto.KeyAlgorithm.ED25519,
          new java.security.SecureRandom()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @TempDir Path dir;
  Ledger ledger;
  final ServerConfig config = ServerConfig.defaults().withAddress("127.0.0.1", 0);

  @BeforeEach
  void open() throws Exception {
    ledger = Ledger.open(SqliteLedgerStore.open(dir.resolve("ledger.db"), SqliteLedgerStore.Mode.CREATE_IF_MISSING),
        SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom()), Clock.systemUTC(), LedgerOptions.defaults());
  }

  @AfterEach
  void close() {
    ledger.close();
  }

  @Test
  void sameVersionWithAnotherHash_isRefused_andNothingIsRecorded() throws Exception {
    PolicyBundle original = PolicyBundles.loadDirectory(Path.of("../examples/policy"));
    ArbiterServer.start(config, ledger, original, PolicySource.DEVELOPMENT, Clock.systemUTC(), SECURITY).close();
    PolicyBundle edited = PolicyBundles.loadDirectory(copyWithComment(Path.of("../examples/policy"), dir.resolve("edited")));
    assertThat(edited.version()).isEqualTo(original.version());
    assertThat(edited.hash()).isNotEqualTo(original.hash());
    long activations = activations();

    assertThatThrownBy(() -> ArbiterServer.start(config, ledger, edited, PolicySource.DEVELOPMENT, Clock.systemUTC(), SECURITY))
        .isInstanceOf(PolicyActivation.Refused.class)
        .hasMessageContaining("already activated").hasMessageContaining(original.hash());
    assertThat(activations()).isEqualTo(activations);
  }

  @Test
  void developmentBundleAfterASignedOne_isRefused() throws Exception {
    PolicyBundle bundle = PolicyBundles.loadDirectory(Path.of("../examples/policy"));
    ArbiterServer.start(config, ledger, bundle, PolicySource.SIGNED, Clock.systemUTC(), SECURITY).close();
    assertThatThrownBy(() -> ArbiterServer.start(config, ledger, bundle, PolicySource.DEVELOPMENT, Clock.systemUTC(), SECURITY))
        .isInstanceOf(PolicyActivation.Refused.class)
        .hasMessageContaining("development bundle");
  }

  private long activations() throws Exception {
    return ledger.store().query(new EntryQuery(PolicyActivation.STREAM, PolicyActivation.EVENT, 0, 1000)).size();
  }

  private static Path copyWithComment(Path from, Path to) throws Exception {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.toList()) {
        String text = Files.readString(f);
        if (f.getFileName().toString().equals("bundle.yaml")) {
          text = text + "\n# edited after it was used\n";
        }
        Files.writeString(to.resolve(f.getFileName()), text);
      }
    }
    return to;
  }
}
