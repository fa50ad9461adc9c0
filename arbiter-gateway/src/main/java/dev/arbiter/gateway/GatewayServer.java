package dev.arbiter.gateway;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.arbiter.gateway.burn.BurnStore;
import dev.arbiter.gateway.burn.BurnStoreUnavailableException;
import dev.arbiter.gateway.burn.PendingReports;
import dev.arbiter.gateway.execution.ReportSender;
import dev.arbiter.gateway.http.HttpProblems;
import dev.arbiter.gateway.http.ToolCallHandler;
import dev.arbiter.gateway.verify.OfflineGrantCheck;
import io.javalin.Javalin;

/**
 * The enforcement gateway: an HTTP proxy in front of tools. {@code POST /tools/{tool}} with an {@code
 * Arbiter-Grant} header and the decision's {@code action.payload} as body is verified, burned,
 * recorded and forwarded ({@link ToolCallHandler} has the order and the problem types); {@code GET
 * /health} answers {@code {"status": "ok"}}, or 503 {@code burn-store-unavailable} while the burn
 * store refuses every call (it needs a restart).
 *
 * <pre>{@code
 * try (GatewayServer gw = GatewayServer.start(GatewayConfig.load(path, recorder))) {
 *   System.out.println("gateway on port " + gw.port());
 *   ...
 * }
 * }</pre>
 */
public final class GatewayServer implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GatewayServer.class);
  /**
   * Slowest request body accepted, in bytes per second over the whole body: a client that sends a
   * byte every few seconds (each read within Jetty's idle timeout) would otherwise hold a request,
   * and up to a megabyte of buffer, for as long as it likes. Low enough for any real client.
   */
  static final long MIN_REQUEST_DATA_RATE = 1024;
  /** How long a stop waits for calls in flight beyond the longest route timeout (their outcome is recorded too). */
  static final java.time.Duration DRAIN_MARGIN = java.time.Duration.ofSeconds(30);

  private final Javalin app;
  private final ToolCallHandler handler;
  private final BurnStore burns;
  private final ReportSender reports;
  private final PendingReports pending;
  private final java.time.Duration drainTimeout;

  private GatewayServer(Javalin app, ToolCallHandler handler, ReportSender reports, PendingReports pending,
      BurnStore burns, java.time.Duration drainTimeout) {
    this.app = app;
    this.handler = handler;
    this.reports = reports;
    this.pending = pending;
    this.burns = burns;
    this.drainTimeout = drainTimeout;
    this.watcher = Thread.ofPlatform().name("open-executions-watch").daemon(true).start(this::watchOpenExecutions);
  }

  /** How often the open executions of other processes are looked at again (tests shorten it). */
  static volatile java.time.Duration openExecutionsCheck = java.time.Duration.ofSeconds(15);

  private final Thread watcher;
  private volatile boolean stopping;

  /**
   * Looks at the open executions of other processes again every {@link #openExecutionsCheck}: one
   * that was still dying (a zombie) when this gateway started, or a sibling sharing the burn file that
   * was killed and is not restarted (a scale-down), is reported as interrupted by this one (black-box
   * run: looking once at the start left such calls open until the next restart).
   */
  private void watchOpenExecutions() {
    while (!stopping) {
      try {
        Thread.sleep(openExecutionsCheck);
      } catch (InterruptedException e) {
        return;
      }
      if (stopping || !burns.usable()) {
        continue;
      }
      takeOver(burns, pending, r -> reports.interruptedStored(r.grantCompact(), r.grantId(), r.attempt()), false);
    }
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

  /**
   * The executions a killed gateway process left under way in this burn store (its own host, its
   * process gone: {@link dev.arbiter.gateway.burn.Owner}) become stored "interrupted" reports, which
   * the sender then delivers like any other; only after they are stored are their rows removed. A
   * crash-and-load run left 19 decisions authorized for good after gateway kills (a start without an
   * outcome ends no decision, and no cancel does once an execution started).
   */
  private static void reportInterrupted(BurnStore burns, PendingReports pending) {
    takeOver(burns, pending, r -> pending.add(ReportSender.interruptedReport(r.grantCompact(), r.grantId(), r.attempt())),
        true);
  }

  /** Stores the report of one open execution; throws when it could not (its row then stays). */
  private interface Store {
    void report(BurnStore.OpenExecution open) throws BurnStoreUnavailableException;
  }

  /**
   * Reports the open executions of processes that are positively gone ({@link
   * dev.arbiter.gateway.burn.Owner#isGone}) as interrupted: each report stored first, then the row
   * removed. An execution whose grant already has a stored report (an outcome or a give-up the dead
   * process could not deliver) is not reported again: an "interrupted" sent first would turn the
   * known outcome away as a conflict (review). Owners are judged outside the burn store's lock.
   */
  private static void takeOver(BurnStore burns, PendingReports pending, Store store, boolean warnElsewhere) {
    try {
      java.util.List<String> owners = burns.openOwners();
      if (warnElsewhere) {
        for (String owner : owners.stream().filter(dev.arbiter.gateway.burn.Owner::elsewhere).toList()) {
          // Never taken over (its process cannot be looked at from here), but not in silence: a container
          // re-created under a new host name leaves its calls here.
          LOG.warn("{} call(s) are under way by gateway process `{}`, which this process cannot look at (another host"
              + " name or process table); not reported as interrupted from here", burns.openOf(owner).size(), owner);
        }
      }
      java.util.List<String> gone = owners.stream().filter(dev.arbiter.gateway.burn.Owner::isGone).toList();
      if (gone.isEmpty()) {
        return;
      }
      java.util.Set<String> alreadyStored = new java.util.HashSet<>();
      for (PendingReports.Stored s : pending.all()) {
        try {
          alreadyStored.add(dev.arbiter.core.canonical.StrictJson.parse(
              s.report().getBytes(java.nio.charset.StandardCharsets.UTF_8)).path("grant_id").asText());
        } catch (RuntimeException unreadable) {
          // the sender drops it; it names nothing here
        }
      }
      for (String owner : gone) {
        for (BurnStore.OpenExecution o : burns.openOf(owner)) {
          if (!alreadyStored.contains(o.grantId())) {
            store.report(o);
            LOG.warn("grant_id={} was under way in gateway process `{}`, which has stopped; reporting it as interrupted",
                o.grantId(), owner);
          }
          burns.closeOpen(o.grantId());
        }
      }
      burns.removeClosedNow();
    } catch (BurnStoreUnavailableException | RuntimeException e) {
      // The rows stay for the next look; a store that cannot be read refuses every call anyway.
      LOG.error("cannot report the calls a stopped gateway process left under way now: {}", e.getMessage());
    }
  }

  /** Starts over an already open burn store (which the server then owns and closes). */
  static GatewayServer start(GatewayConfig config, BurnStore burns) throws BurnStoreUnavailableException {
    ToolCallHandler handler = null;
    PendingReports pending = null;
    ReportSender reports = null;
    try {
      pending = PendingReports.open(burns.file(), config.clock());
      reportInterrupted(burns, pending);
      reports = ReportSender.start(config.recorder(), pending);
      OfflineGrantCheck grants = new OfflineGrantCheck(config.trustedEngineKeys(), config.trustedLedgerKey(),
          config.clock(), config.skew());
      handler = new ToolCallHandler(config.toolsByName(), grants, burns, config.recorder(), reports,
          config.gatewayKey(), config.clock());
      ToolCallHandler counted = handler;
      Javalin app = Javalin.create(cfg -> {
        cfg.showJavalinBanner = false;
        cfg.startupWatcherEnabled = false;
        cfg.useVirtualThreads = true;
        dev.arbiter.http.AcceptQueue.apply(cfg);
        HttpProblems.jettyProblems().installOn(cfg);
        cfg.http.maxRequestSize = ToolCallHandler.MAX_BODY_BYTES;
        cfg.http.prefer405over404 = true;
        cfg.http.responseBufferSize = 4096; // the per-response copy buffer; unset it is 32 KiB (see HttpApi)
        cfg.jetty.modifyHttpConfiguration(http -> http.setMinRequestDataRate(MIN_REQUEST_DATA_RATE));
        // Counted calls are uncounted once their exchange is complete (the answer sent): a listener on
        // every connector, attached as the connector is added, before the first connection is accepted
        // (a connection keeps the listeners its connector had when it was accepted).
        cfg.jetty.modifyServer(server -> server.addEventListener(new org.eclipse.jetty.util.component.Container.Listener() {
          @Override
          public void beanAdded(org.eclipse.jetty.util.component.Container parent, Object child) {
            if (child instanceof org.eclipse.jetty.server.AbstractConnector c) {
              c.addBean(completions(counted));
            }
          }

          @Override
          public void beanRemoved(org.eclipse.jetty.util.component.Container parent, Object child) {}
        }));
      });
      HttpProblems.requireLoopbackHost(app, config.host());
      app.post("/tools/{tool}", handler::handle);
      // What a supervisor restarts on: a broken burn store refuses every call until a restart.
      app.get("/health", ctx -> {
        if (burns.usable()) {
          ctx.json(JsonNodeFactory.instance.objectNode().put("status", "ok"));
        } else {
          dev.arbiter.gateway.http.Problem.of("burn-store-unavailable", "Burn store unavailable", 503,
              "the burn store is broken or closed: every call is refused until the gateway is restarted").writeTo(ctx);
        }
      });
      HttpProblems.install(app);
      app.start(config.host(), config.port());
      java.time.Duration longest = config.toolsByName().values().stream().map(dev.arbiter.gateway.ToolRoute::timeout)
          .max(java.time.Duration::compareTo).orElse(java.time.Duration.ZERO);
      return new GatewayServer(app, handler, reports, pending, burns, longest.plus(DRAIN_MARGIN));
    } catch (RuntimeException | BurnStoreUnavailableException e) {
      if (handler != null) {
        handler.close();
      }
      if (reports != null) {
        reports.close();
      }
      if (pending != null) {
        pending.close();
      }
      burns.close();
      throw e;
    }
  }

  private static org.eclipse.jetty.server.HttpChannel.Listener completions(ToolCallHandler handler) {
    return new org.eclipse.jetty.server.HttpChannel.Listener() {
      @Override
      public void onComplete(org.eclipse.jetty.server.Request request) {
        if (request.getAttribute(ToolCallHandler.COUNTED) != null) {
          handler.completed();
        }
      }
    };
  }

  /** The port actually listened on (useful when configured with 0). */
  public int port() {
    return app.port();
  }

  /**
   * Stops cleanly: new calls are refused (503 {@code gateway-stopping}) while the calls in flight
   * finish, at most the longest route timeout plus {@link #DRAIN_MARGIN}; then the listener, the
   * upstream client and the burn store stop. Cutting off a call the tool is executing would leave the
   * caller without an answer and record a failure for an action that ran.
   */
  @Override
  public void close() {
    stopping = true;
    // Not interrupted: the watcher may be storing a report, and an interrupt during a file's flush would
    // close the file for good. It sleeps at most one period and then sees `stopping`.
    try {
      handler.drain(drainTimeout);
      app.stop();
    } finally {
      try {
        handler.close();
      } finally {
        reports.close(); // what it has not sent yet stays stored for the next start
        pending.close();
        burns.close();
      }
    }
  }
}
