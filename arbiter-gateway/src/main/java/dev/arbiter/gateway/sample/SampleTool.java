package dev.arbiter.gateway.sample;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.grant.Grant;
import dev.arbiter.core.grant.GrantRejectedException;
import dev.arbiter.gateway.http.HttpProblems;
import dev.arbiter.gateway.http.Refusal;
import dev.arbiter.gateway.verify.GrantVerifier;
import dev.arbiter.gateway.verify.VerifiedCall;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small governed tool (e.g. {@code deployer}) showing what a tool behind the gateway does: every
 * {@code POST /execute} goes through {@link GrantVerifier}, its headers before the tool reads the
 * body; anything without a valid gateway proof and grant for exactly this request is refused 403
 * {@code ungoverned-call} with the verifier's {@code reason}; a grant id executed before, or a
 * decision executed before under another grant, is refused 409 {@code grant-already-used};
 * otherwise it appends {@code {grant_id, decision_id, tool, action_class, target, environment,
 * payload, executed_at}} as one line to its execution log (fsync) and answers 200 {@code
 * {"executed": true, "grant_id": ...}}. It "executes" nothing else. When the log cannot be written
 * the call is refused 503 {@code execution-log-unavailable} (the line is cut off again) and so is
 * every later call, and {@code /health}, until the tool restarts.
 *
 * <pre>{@code
 * try (SampleTool tool = SampleTool.start("127.0.0.1", 0, verifier, "deployer", Path.of("executions.jsonl"), Clock.systemUTC())) {
 *   URI upstream = URI.create("http://127.0.0.1:" + tool.port() + SampleTool.PATH);
 * }
 * }</pre>
 */
public final class SampleTool implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SampleTool.class);
  /** The path the tool executes on; the gateway's upstream URL for it ends with this. */
  public static final String PATH = "/execute";
  private static final int MAX_BODY_BYTES = 1024 * 1024;

  private final Javalin app;
  private final ExecutionLog log;
  private final GrantVerifier verifier;
  private final String toolName;
  private final Clock clock;

  private SampleTool(Javalin app, ExecutionLog log, GrantVerifier verifier, String toolName, Clock clock) {
    this.app = app;
    this.log = log;
    this.verifier = verifier;
    this.toolName = toolName;
    this.clock = clock;
  }

  /**
   * Starts the tool.
   *
   * @param verifier built with this tool's name and the pinned engine, ledger and gateway keys
   * @param toolName the name written to the execution log (the verifier's tool name)
   * @param executionLog the JSON-lines file executions are appended to (created if missing; grant ids
   *     already in it are refused)
   */
  public static SampleTool start(String host, int port, GrantVerifier verifier, String toolName, Path executionLog,
      Clock clock) throws IOException {
    Objects.requireNonNull(verifier, "verifier");
    Objects.requireNonNull(toolName, "toolName");
    Objects.requireNonNull(clock, "clock");
    ExecutionLog log = ExecutionLog.open(executionLog);
    Javalin app = Javalin.create(cfg -> {
      cfg.showJavalinBanner = false;
      cfg.startupWatcherEnabled = false;
      cfg.useVirtualThreads = true;
      dev.arbiter.http.AcceptQueue.apply(cfg);
      HttpProblems.jettyProblems().installOn(cfg);
      cfg.http.maxRequestSize = MAX_BODY_BYTES;
      // The gateway forwards grants of up to 6 KiB with its proof; 16 KiB of headers leaves room
      // (the default 8 KiB is what tool authors must accept at the least: GrantVerifier's docs).
      cfg.jetty.modifyHttpConfiguration(http -> {
        http.setRequestHeaderSize(16 * 1024);
        http.setMinRequestDataRate(1024);
      });
    });
    SampleTool tool = new SampleTool(app, log, verifier, toolName, clock);
    HttpProblems.requireLoopbackHost(app, host);
    app.post(PATH, tool::execute);
    app.get("/health", ctx -> {
      if (!log.usable()) {
        throw tool.logBroken();
      }
      ctx.json(JsonNodeFactory.instance.objectNode().put("status", "ok"));
    });
    HttpProblems.install(app, "the tool failed");
    try {
      app.start(host, port);
    } catch (RuntimeException e) {
      log.close();
      throw e;
    }
    return tool;
  }

  public int port() {
    return app.port();
  }

  public Path executionLog() {
    return log.file();
  }

  private void execute(Context ctx) throws Refusal {
    if (!log.usable()) {
      throw logBroken();
    }
    String query = ctx.queryString();
    String target = query == null ? ctx.path() : ctx.path() + "?" + query;
    VerifiedCall call;
    try {
      // The headers first: an ungoverned caller is refused before the tool waits for its body.
      GrantVerifier.VerifiedHeaders checked = verifier.verifyHeaders(ctx.method().name(), target, ctx::header);
      call = checked.verifyBody(HttpProblems.body(ctx, MAX_BODY_BYTES));
    } catch (GrantRejectedException e) {
      LOG.warn("refused ungoverned call to {}: {}", toolName, e.code());
      throw new Refusal(Refusal.Kind.UNGOVERNED_CALL, e.getMessage(), e.code());
    }
    Grant grant = call.grant();
    ObjectNode entry = JsonNodeFactory.instance.objectNode();
    entry.put("grant_id", grant.grantId());
    entry.put("decision_id", grant.decisionId());
    entry.put("tool", toolName);
    entry.put("action_class", grant.actionClass());
    entry.putObject("target").put("type", grant.target().type()).put("id", grant.target().id());
    entry.put("environment", grant.environment());
    entry.set("payload", call.payload());
    entry.put("executed_at", clock.instant().toString());
    ExecutionLog.Outcome outcome;
    try {
      outcome = log.append(grant.grantId(), grant.decisionId(), entry);
    } catch (ExecutionLog.BrokenException e) {
      throw logBroken(); // the log said why, once, in the tool's error log
    }
    switch (outcome) {
      case GRANT_ALREADY_EXECUTED -> throw new Refusal(Refusal.Kind.GRANT_ALREADY_USED,
          "grant " + grant.grantId() + " was already executed by this tool", null);
      case DECISION_ALREADY_EXECUTED -> throw new Refusal(Refusal.Kind.GRANT_ALREADY_USED,
          "decision " + grant.decisionId() + " was already executed by this tool under another grant", "decision_already_executed");
      case WRITTEN -> ctx.status(200).json(JsonNodeFactory.instance.objectNode().put("executed", true).put("grant_id", grant.grantId()));
    }
  }

  private Refusal logBroken() {
    return new Refusal(Refusal.Kind.EXECUTION_LOG_UNAVAILABLE, "the tool's execution log cannot be written; "
        + "nothing was executed, and every call is refused until the tool is restarted", null);
  }

  @Override
  public void close() {
    try {
      app.stop();
    } finally {
      try {
        log.close();
      } catch (IOException e) {
        LOG.warn("closing the execution log failed: {}", e.toString());
      }
    }
  }
}
