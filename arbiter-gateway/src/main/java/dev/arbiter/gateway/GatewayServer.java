package dev.arbiter.gateway;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.arbiter.gateway.burn.BurnStore;
import dev.arbiter.gateway.burn.BurnStoreUnavailableException;
import dev.arbiter.gateway.http.HttpProblems;
import dev.arbiter.gateway.http.ToolCallHandler;
import dev.arbiter.gateway.verify.OfflineGrantCheck;
import io.javalin.Javalin;

/**
 * The enforcement gateway: an HTTP proxy in front of tools. {@code POST /tools/{tool}} with an {@code
 * Arbiter-Grant} header and the decision's {@code action.payload} as body is verified, burned,
 * recorded and forwarded ({@link ToolCallHandler} has the order and the problem types); {@code GET
 * /health} answers {@code {"status": "ok"}}.
 *
 * <pre>{@code
 * try (GatewayServer gw = GatewayServer.start(GatewayConfig.load(path, recorder))) {
 *   System.out.println("gateway on port " + gw.port());
 *   ...
 * }
 * }</pre>
 */
public final class GatewayServer implements AutoCloseable {
  private final Javalin app;
  private final ToolCallHandler handler;
  private final BurnStore burns;

  private GatewayServer(Javalin app, ToolCallHandler handler, BurnStore burns) {
    this.app = app;
    this.handler = handler;
    this.burns = burns;
  }

  /**
   * Opens the burn store and starts listening on {@code config.host():config.port()}.
   *
   * @throws BurnStoreUnavailableException if the burn store cannot be opened (the gateway does not
   *     start without one)
   */
  public static GatewayServer start(GatewayConfig config) throws BurnStoreUnavailableException {
    return start(config, BurnStore.open(config.burnStore(), config.clock()));
  }

  /** Starts over an already open burn store (which the server then owns and closes). */
  static GatewayServer start(GatewayConfig config, BurnStore burns) {
    ToolCallHandler handler = null;
    try {
      OfflineGrantCheck grants = new OfflineGrantCheck(config.trustedEngineKeys(), config.trustedLedgerKey(),
          config.clock(), config.skew());
      handler = new ToolCallHandler(config.toolsByName(), grants, burns, config.recorder(),
          config.gatewayKey(), config.clock());
      Javalin app = Javalin.create(cfg -> {
        cfg.showJavalinBanner = false;
        cfg.startupWatcherEnabled = false;
        cfg.useVirtualThreads = true;
        cfg.http.maxRequestSize = ToolCallHandler.MAX_BODY_BYTES;
        cfg.http.prefer405over404 = true;
        cfg.http.responseBufferSize = 4096; // the per-response copy buffer; unset it is 32 KiB (see HttpApi)
      });
      HttpProblems.requireLoopbackHost(app, config.host());
      app.post("/tools/{tool}", handler::handle);
      app.get("/health", ctx -> ctx.json(JsonNodeFactory.instance.objectNode().put("status", "ok")));
      HttpProblems.install(app);
      app.start(config.host(), config.port());
      return new GatewayServer(app, handler, burns);
    } catch (RuntimeException e) {
      if (handler != null) {
        handler.close();
      }
      burns.close();
      throw e;
    }
  }

  /** The port actually listened on (useful when configured with 0). */
  public int port() {
    return app.port();
  }

  /** Stops listening, then the upstream client, then closes the burn store. */
  @Override
  public void close() {
    try {
      app.stop();
    } finally {
      try {
        handler.close();
      } finally {
        burns.close();
      }
    }
  }
}
