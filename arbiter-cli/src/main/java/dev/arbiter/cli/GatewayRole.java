package dev.arbiter.cli;

import dev.arbiter.gateway.GatewayConfig;
import dev.arbiter.gateway.GatewayConfigException;
import dev.arbiter.gateway.GatewayServer;
import dev.arbiter.gateway.burn.BurnStoreUnavailableException;
import dev.arbiter.gateway.execution.EngineExecutionRecorder;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * {@code arbiter serve --role gateway}: the enforcement gateway as its own process. Reads the gateway
 * configuration file, records executions on the engine ({@link EngineExecutionRecorder}) with the
 * token in {@code --engine-token-file} (re-read for every request, so a rotated token is picked up
 * without a restart), listens until SIGTERM/SIGINT and then closes the listener and the burn store.
 *
 * <p>{@code --host}/{@code --port}, when given on the command line, override the file's {@code listen}.
 */
final class GatewayRole {
  /** How long one call to the engine's {@code /v1/executions} may take. */
  static final Duration ENGINE_TIMEOUT = Duration.ofSeconds(10);
  private static final Pattern B64TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");
  private static final int MAX_TOKEN_BYTES = 16 * 1024;

  private GatewayRole() {}

  /**
   * Runs the gateway until the process is signalled.
   *
   * @param host the listen host to use instead of the file's, or null
   * @param port the listen port to use instead of the file's, or null
   */
  static int run(GatewayOptions options, String host, Integer port, PrintWriter err) throws InterruptedException {
    if (options.config == null || options.engine == null || options.tokenFile == null) {
      throw CliFailure.badInput("--role gateway needs --gateway-config FILE, --engine URL and --engine-token-file FILE");
    }
    URI engine = EngineOptions.engineUri(options.engine);
    Path tokenFile = options.tokenFile;
    Supplier<String> token = tokenSource(tokenFile);
    var recorder = new EngineExecutionRecorder(engine, token, ENGINE_TIMEOUT);

    Started started;
    try {
      started = start(options, host, port, recorder);
    } catch (RuntimeException e) {
      recorder.close();
      throw e;
    }
    GatewayConfig config = started.config();
    GatewayServer server = started.server();

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      err.println("arbiter: stopping (signal received); closing the gateway and its burn store");
      err.flush();
      try {
        try {
          server.close();
        } finally {
          recorder.close();
        }
      } finally {
        stopped.countDown();
      }
    }, "arbiter-gateway-shutdown"));

    err.println("arbiter: role gateway listening on http://" + config.host() + ":" + server.port());
    for (var t : config.tools()) {
      err.println("arbiter: tool " + t.name() + " -> " + t.upstream() + " (classes " + String.join(", ",
          new java.util.TreeSet<>(t.allowedClasses())) + ")");
    }
    err.println("arbiter: recording executions on " + engine + " (token from " + tokenFile + ", re-read per call)");
    err.println("arbiter: burn store " + config.burnStore());
    err.flush();
    stopped.await();
    return ExitCodes.OK;
  }

  private record Started(GatewayConfig config, GatewayServer server) {}

  /** Loads the configuration and starts the server (the caller closes {@code recorder} if this throws). */
  private static Started start(GatewayOptions options, String host, Integer port, EngineExecutionRecorder recorder) {
    GatewayConfig config;
    try {
      config = GatewayConfig.load(options.config, recorder);
      if (host != null || port != null) {
        config = new GatewayConfig(host != null ? host : config.host(), port != null ? port : config.port(),
            config.tools(), config.trustedEngineKeys(), config.trustedLedgerKey(), config.gatewayKey(),
            config.burnStore(), config.recorder(), config.clock(), config.skew());
      }
    } catch (GatewayConfigException e) {
      throw CliFailure.badInput(e.getMessage());
    } catch (IllegalArgumentException e) {
      throw CliFailure.badInput(options.config + ": " + e.getMessage());
    }

    GatewayServer server;
    try {
      server = GatewayServer.start(config);
    } catch (BurnStoreUnavailableException e) {
      throw CliFailure.unavailable("cannot open the burn store " + config.burnStore() + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw CliFailure.unavailable("cannot start the gateway on " + config.host() + ":" + config.port() + ": "
          + e.getMessage(), e);
    }
    return new Started(config, server);
  }

  /**
   * The gateway's token as {@code file} holds it at each call (so a rotated token is used without a
   * restart). Reads it once now, so that an unusable file fails at start rather than at the first call.
   */
  static Supplier<String> tokenSource(Path file) {
    readToken(file);
    return () -> readToken(file);
  }

  /** The token as the file holds it now; never printed. */
  private static String readToken(Path file) {
    String t;
    try {
      t = dev.arbiter.core.io.BoundedFiles.readString(file, MAX_TOKEN_BYTES, StandardCharsets.US_ASCII).strip();
    } catch (dev.arbiter.core.io.BoundedFiles.TooLargeException e) {
      throw CliFailure.badInput("--engine-token-file " + file + " is larger than " + MAX_TOKEN_BYTES + " bytes; not a token");
    } catch (java.nio.charset.CharacterCodingException e) {
      throw CliFailure.badInput("--engine-token-file " + file + " does not hold a bearer token (it is not shown)");
    } catch (IOException e) {
      throw CliFailure.badInput("cannot read --engine-token-file " + file + ": " + FileErrors.reason(e));
    }
    if (t.isEmpty() || !B64TOKEN.matcher(t).matches()) {
      throw CliFailure.badInput("--engine-token-file " + file + " does not hold a bearer token (it is not shown)");
    }
    return t;
  }
}
