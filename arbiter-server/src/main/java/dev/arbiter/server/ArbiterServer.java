package dev.arbiter.server;

import dev.arbiter.core.policy.PolicyBundle;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.server.config.ServerConfig;
import dev.arbiter.server.engine.DecisionEngine;
import dev.arbiter.server.engine.ExpirySweeper;
import dev.arbiter.server.engine.PolicyActivation;
import dev.arbiter.server.engine.StartupVerification;
import dev.arbiter.server.http.HttpApi;
import io.javalin.Javalin;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Arbiter process in the {@code all} role: the engine and its HTTP API over an open ledger. The
 * caller owns the ledger (opens it before, closes it after {@link #close()}).
 */
public final class ArbiterServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ArbiterServer.class);

  /**
   * Where the active bundle came from. Both are signed and verified before use: {@code SIGNED} with a
   * trusted policy key given by the operator; {@code DEVELOPMENT} built from a directory and signed
   * with a development policy key generated in the data directory (not for production).
   */
  public enum PolicySource { SIGNED, DEVELOPMENT }

  private final DecisionEngine engine;
  private final ExpirySweeper sweeper;
  private final dev.arbiter.server.engine.LedgerReverifier reverifier;
  private final Javalin http;

  private ArbiterServer(DecisionEngine engine, ExpirySweeper sweeper, dev.arbiter.server.engine.LedgerReverifier reverifier,
      Javalin http) {
    this.engine = engine;
    this.sweeper = sweeper;
    this.reverifier = reverifier;
    this.http = http;
  }

  /**
   * Verifies the whole ledger and replays it (no other writer may change the file in between), then
   * records the bundle's activation if it changed, starts the expiry sweeper and the HTTP listener.
   *
   * @throws Exception when the ledger cannot be read or written, or the port cannot be bound
   */
  public static ArbiterServer start(ServerConfig config, Ledger ledger, PolicyBundle bundle, PolicySource source,
      Clock clock, dev.arbiter.server.config.SecurityConfig security) throws Exception {
    return start(config, ledger, bundle, source, clock, security, Optional.empty());
  }

  /**
   * As {@link #start(ServerConfig, Ledger, PolicyBundle, PolicySource, Clock, dev.arbiter.server.config.SecurityConfig)},
   * refusing ({@link StartupVerification.Failed}) a ledger that no longer contains {@code trusted}.
   */
  public static ArbiterServer start(ServerConfig config, Ledger ledger, PolicyBundle bundle, PolicySource source,
      Clock clock, dev.arbiter.server.config.SecurityConfig security,
      Optional<Checkpoint> trusted) throws Exception {
    // The port first: a server that cannot listen must not have recorded an activation it never served.
    probePort(config.host(), config.port());
    // Then the whole ledger, before anything is appended to it or served from it; no other writer may
    // change the file between the verification and the end of the replay, so what is replayed is what
    // was verified. The activation is appended after, once writers are let in again.
    StartupVerification check;
    DecisionEngine engine;
    Optional<dev.arbiter.ledger.event.EventDraft> activation;
    try (var held = ledger.store().holdOtherWriters()) {
      check = StartupVerification.verifyNow(ledger, trusted);
      // Judged on the verified history too (review: read after the hold, a past activation's version or
      // source could be flipped in between); only the append waits until the hold is released.
      activation = PolicyActivation.decide(ledger, bundle, source == PolicySource.SIGNED);
      engine = DecisionEngine.start(ledger, bundle, clock, config, security);
    }
    if (activation.isPresent()) {
      try {
        ledger.append(activation.get()).get();
      } catch (Exception e) {
        engine.close();
        throw e;
      }
      LOG.info("policy.activated recorded for {} {}", bundle.version(), bundle.hash());
    }
    engine.verifiedAtStart(check);
    ExpirySweeper sweeper = ExpirySweeper.start(engine, config.expirySweep());
    var reverifier = dev.arbiter.server.engine.LedgerReverifier.start(engine, ledger, clock, config.reverifyEvery());
    Javalin http = HttpApi.create(engine, config);
    try {
      http.start(config.host(), config.port());
    } catch (RuntimeException e) {
      reverifier.close();
      sweeper.close();
      engine.close();
      throw e;
    }
    return new ArbiterServer(engine, sweeper, reverifier, http);
  }

  /** Fails as Javalin would when {@code host:port} cannot be bound now (port 0 always can). */
  private static void probePort(String host, int port) {
    if (port == 0) {
      return;
    }
    try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new java.net.InetSocketAddress(host, port));
    } catch (java.io.IOException e) {
      throw new IllegalStateException("Port already in use. Make sure no other process is using port " + port
          + " and try again (" + host + ": " + e.getMessage() + ")", e);
    }
  }

  /** The bound port (the real one when the config asked for 0). */
  public int port() {
    return http.port();
  }

  public DecisionEngine engine() {
    return engine;
  }

  /** Verifies the whole ledger now, as the periodic re-verification does; true when it passed. */
  public boolean reverifyNow() {
    return reverifier.runOnce();
  }

  /** Stops the listener (in-flight requests finish), the re-verification, the sweeper and the engine. */
  @Override
  public void close() {
    http.stop();
    reverifier.close();
    sweeper.close();
    engine.close();
  }
}
