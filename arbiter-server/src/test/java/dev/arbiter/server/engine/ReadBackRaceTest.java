package dev.arbiter.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.decision.DecisionRequests;
import dev.arbiter.core.decision.DecisionStatus;
import dev.arbiter.core.policy.PolicyBundles;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.LedgerOptions;
import dev.arbiter.ledger.store.EntryQuery;
import dev.arbiter.ledger.store.LedgerStore;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import dev.arbiter.server.config.ServerConfig;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read-back of an evicted decision that races a legitimate change of it (review of the stream-end
 * check). The store pauses the reading thread right after its stream query and lets another thread
 * change the decision in between: nothing is edited by hand, so nothing may be taken for tampering,
 * and the older read may not replace the newer state.
 */
class ReadBackRaceTest {
  private static final String DEPLOY = """
      {"action": {"class": "deploy", "tool": "deployer", "intent": "release checkout 1.42.0",
                  "target": {"type": "service", "id": "checkout"},
                  "payload": {"image": "registry.internal/checkout:1.42.0", "change_ticket": "CHG-2291"}},
       "context": {"actor": {"id": "agent-7"}, "environment": "production"}}""";

  @TempDir Path dir;
  private final AtomicReference<Runnable> afterQuery = new AtomicReference<>();
  private final AtomicReference<String> watched = new AtomicReference<>();
  private Ledger ledger;
  private DecisionEngine engine;
  private ServerConfig config;

  @AfterEach
  void close() {
    if (ledger != null) {
      ledger.close();
    }
  }

  private void start() throws Exception {
    SqliteLedgerStore real = SqliteLedgerStore.open(dir.resolve("ledger.db"), SqliteLedgerStore.Mode.CREATE_IF_MISSING);
    Thread reader = Thread.currentThread();
    LedgerStore store = (LedgerStore) Proxy.newProxyInstance(LedgerStore.class.getClassLoader(),
        new Class<?>[] {LedgerStore.class}, (p, m, args) -> {
          Object r;
          try {
            r = m.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          if (m.getName().equals("query") && Thread.currentThread() == reader
              && watched.get() != null && watched.get().equals(((EntryQuery) args[0]).streamId())) {
            Runnable h = afterQuery.getAndSet(null);
            if (h != null) {
              h.run();
            }
          }
          return r;
        });
    ledger = Ledger.open(store, SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom()), Clock.systemUTC(),
        LedgerOptions.defaults());
    ServerConfig d = ServerConfig.defaults();
    config = new ServerConfig("127.0.0.1", 0, d.maxBodyBytes(), Duration.ofSeconds(3), d.retryAfter(), 16, 64, d.expirySweep());
    engine = startEngine();
  }

  private DecisionEngine startEngine() throws Exception {
    DecisionEngine e = DecisionEngine.start(ledger, PolicyBundles.loadDirectory(Path.of("../examples/policy")),
        Clock.systemUTC(), config, dev.arbiter.server.TestIdentity.security(
            SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom())));
    e.verifiedAtStart(StartupVerification.skipped("test"));
    return e;
  }

  private String submit() throws Exception {
    return engine.submit(DecisionRequests.parse(DEPLOY.getBytes(StandardCharsets.UTF_8)),
        IdempotencyKey.of(UUID.randomUUID().toString()), "agent-7").decision().id();
  }

  /** A decision pushed out of the 16 states kept in memory. */
  private String evicted() throws Exception {
    String x = submit();
    for (int i = 0; i < 16; i++) {
      submit();
    }
    return x;
  }

  /** Between the reader's query and the rest of its read-back, another thread runs {@code change} to completion. */
  private void whileReading(String x, ThrowingRunnable change) {
    watched.set(x);
    afterQuery.set(() -> {
      Thread t = Thread.ofPlatform().start(() -> {
        try {
          change.run();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  private void cancel(String x) throws Exception {
    engine.cancel(dev.arbiter.server.identity.Principal.withoutAuthority("agent-7", java.util.List.of()), x,
        CancelRequest.parse("{}".getBytes(StandardCharsets.UTF_8), "agent-7"),
        IdempotencyKey.of(UUID.randomUUID().toString()));
  }

  @Test
  void aChangeAndAnEvictionDuringARead_areNotTakenForRemovedEntries() throws Exception {
    start();
    String x = evicted();
    whileReading(x, () -> {
      cancel(x);
      for (int i = 0; i < 16; i++) {
        submit(); // x is evicted again: its stream's known end is the cancellation's leaf
      }
    });
    DecisionState seen = engine.find(x); // a reader: GET /v1/decisions/{x}
    assertThat(engine.integrity().failed()).as("an intact ledger").isFalse();
    assertThat(seen.status()).as("the overtaken read is read again").isEqualTo(DecisionStatus.CANCELLED);
  }

  @Test
  void aReadOlderThanAChangeMadeMeanwhile_doesNotReplaceIt() throws Exception {
    start();
    String x = evicted();
    whileReading(x, () -> cancel(x));
    engine.find(x);
    assertThat(engine.find(x).status()).as("the cancellation stands").isEqualTo(DecisionStatus.CANCELLED);
    // Cancelling again is refused (before, the stale pending state let a second decision.cancelled in,
    // and the next start refused the ledger: "cancelled -> cancelled").
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> cancel(x)).isInstanceOf(EngineException.TransitionRefused.class);
    assertThat(ledger.store().query(new EntryQuery(x, "decision.cancelled", 0, 10))).hasSize(1);
    startEngine(); // and the ledger still replays
  }
}
