package dev.arbiter.gateway.http;

import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.canonical.StrictJson;
import dev.arbiter.core.grant.Grant;
import dev.arbiter.core.grant.GrantRejectedException;
import dev.arbiter.gateway.ToolRoute;
import dev.arbiter.gateway.burn.BurnStore;
import dev.arbiter.gateway.burn.BurnStoreUnavailableException;
import dev.arbiter.gateway.execution.ExecutionRecorder;
import dev.arbiter.gateway.execution.GrantAlreadyUsedException;
import dev.arbiter.gateway.execution.RecorderException;
import dev.arbiter.gateway.execution.ReportSender;
import dev.arbiter.gateway.verify.GatewayProof;
import dev.arbiter.gateway.verify.OfflineGrantCheck;
import dev.arbiter.gateway.verify.StartReceiptCheck;
import dev.arbiter.core.crypto.SigningKey;
import io.javalin.http.Context;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /tools/{tool}}: the whole enforcement path, in this order, each step refusing before
 * the next can run:
 *
 * <ol>
 *   <li>the tool is configured ({@code unknown-tool}, 403: a refusal like every other);
 *   <li>an {@code Arbiter-Grant} header is present ({@code grant-missing}, 403);
 *   <li>the grant verifies offline: engine signature, validity window, ledger receipt ({@code
 *       grant-invalid}, 403, {@code reason} = the verifier's code);
 *   <li>the grant fits this request: no query string (nothing signed covers one), tool, allowed
 *       action class, canonical payload hash, and the {@code Arbiter-Target} header if sent ({@code
 *       grant-mismatch}, 403, {@code reason});
 *   <li>the grant is burned, once ({@code grant-already-used}, 409; {@code burn-store-unavailable},
 *       503);
 *   <li>the start is durable on the ledger ({@code ledger-unavailable}, 503; {@code
 *       grant-already-used}, 409 when the engine saw it before);
 *   <li>the burn is durable ({@code burn-store-unavailable}, 503, and the start is closed on the
 *       ledger as a failed execution);
 *   <li>the call is forwarded with the grant and a fresh gateway proof ({@code upstream-failed}, 502,
 *       when the tool cannot be reached), and the outcome recorded.
 * </ol>
 *
 * <p>Steps 5 and 7 are one burn: its commit decides the single winner at once (a second use is
 * refused from then on), and the disk flushes it while step 6 records the start, so a call waits
 * for the slower of the two durable writes instead of both in turn. Nothing is forwarded before
 * both are on disk.
 *
 * <p>What is forwarded is the canonical (RFC 8785) form of the body, not the caller's bytes: the grant
 * binds the canonical form, and two bodies with one canonical form can still differ for a tool's own
 * parser (a decimal with more digits than a double holds, {@code 1.0} against {@code 1}, escapes).
 * The tool executes exactly the bytes whose hash the engine signed.
 *
 * <p>A grant refused at step 6 stays burned: the gateway cannot know whether the start reached the
 * ledger, so it never lets the same grant through twice; the proposer asks for a new grant.
 * Logs name grants by {@code grant_id} only; the compact grant and tokens are never logged.
 */
public final class ToolCallHandler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ToolCallHandler.class);
  /** Largest request body forwarded. */
  public static final int MAX_BODY_BYTES = 1024 * 1024;
  /**
   * Longest grant accepted, checked before anything is burned: the grant is forwarded in a header
   * with the gateway's proof (~0.6 KB), and tools commonly accept 8 KiB of headers (Jetty's and
   * Javalin's default). A grant the tool cannot take would be burned and its decision's one
   * execution spent on a 431. The engine bounds what a grant carries (target, tool, class) so that
   * its grants stay far below this (~1.5–2.5 KB).
   */
  public static final int MAX_GRANT_CHARS = 6 * 1024;
  public static final String TARGET_HEADER = "Arbiter-Target";
  public static final String EXECUTION_ID_HEADER = "Arbiter-Execution-Id";

  private final Map<String, ToolRoute> tools;
  private final OfflineGrantCheck grants;
  private final BurnStore burns;
  private final ExecutionRecorder recorder;
  private final StartReceiptCheck starts;
  private final ReportSender reports;
  private final SigningKey gatewayKey;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Upstream upstream = new Upstream();

  /**
   * @param reports sends what the ledger did not take at the first try (an outcome, a give-up); the
   *     handler does not own it (its owner closes it after this handler)
   */
  public ToolCallHandler(Map<String, ToolRoute> tools, OfflineGrantCheck grants, BurnStore burns,
      ExecutionRecorder recorder, ReportSender reports, SigningKey gatewayKey, Clock clock) {
    this.tools = Map.copyOf(tools);
    this.grants = grants;
    this.burns = burns;
    this.recorder = recorder;
    this.starts = grants.startCheck();
    this.reports = reports;
    this.gatewayKey = gatewayKey;
    this.clock = clock;
  }

  /** Request attribute of a counted call; {@link #completed} uncounts it once its answer is sent. */
  public static final String COUNTED = "arbiter.gateway.counted";

  /**
   * One governed call, counted until its answer has been sent ({@link #completed}, called by the
   * server when the exchange is complete) so that {@link #drain} can let it finish: a call the tool
   * is executing is answered and its outcome recorded before the gateway stops.
   */
  public void handle(Context ctx) throws Refusal {
    inFlight.incrementAndGet(); // before the check: drain() either sees this call or the call sees stopping
    if (stopping) {
      completed();
      throw new Refusal(Refusal.Kind.GATEWAY_STOPPING, "the gateway is stopping; nothing was burned or forwarded", null);
    }
    ctx.attribute(COUNTED, Boolean.TRUE);
    call(ctx);
  }

  /** The exchange of a call {@link #handle} counted is complete: its answer was sent (or the client left). */
  public void completed() {
    if (inFlight.decrementAndGet() == 0 && stopping) {
      synchronized (drained) {
        drained.notifyAll();
      }
    }
  }

  private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
  private volatile boolean stopping;
  private final Object drained = new Object();

  /**
   * Refuses new calls (503 {@code gateway-stopping}) and waits up to {@code timeout} for the calls in
   * flight to finish; true when none is left. Called before the listener and the upstream client stop.
   */
  public boolean drain(java.time.Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean interrupted = false;
    stopping = true;
    synchronized (drained) {
      try {
        while (inFlight.get() > 0) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            LOG.warn("stopping with {} call(s) still in flight after {} s", inFlight.get(), timeout.toSeconds());
            return false;
          }
          try {
            // at most 50 ms: a completion between the check and the wait is seen at the next round
            drained.wait(Math.max(1, Math.min(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(left), 50)));
          } catch (InterruptedException e) {
            interrupted = true; // the shutdown goes on; the calls still get their time
          }
        }
        return true;
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  private void call(Context ctx) throws Refusal {
    String name = ctx.pathParam("tool");
    ToolRoute route = tools.get(name);
    if (route == null) {
      throw unknownTool(ctx, name);
    }
    java.util.List<String> grantHeaders = ctx.req().getHeaders(GatewayProof.GRANT_HEADER) == null ? java.util.List.of()
        : java.util.Collections.list(ctx.req().getHeaders(GatewayProof.GRANT_HEADER));
    if (grantHeaders.size() > 1) {
      // Which one would count is a matter of which parser reads it (the first, the last, both joined):
      // a call must say unambiguously which grant it spends.
      throw refused(route.name(), null, new Refusal(Refusal.Kind.GRANT_INVALID, "the call carries "
          + grantHeaders.size() + " " + GatewayProof.GRANT_HEADER + " headers; send exactly one", "ambiguous_grant"));
    }
    String compact = ctx.header(GatewayProof.GRANT_HEADER);
    if (compact == null || compact.isBlank()) {
      throw refused(route, null, new Refusal(Refusal.Kind.GRANT_MISSING,
          "a call to a governed tool needs an " + GatewayProof.GRANT_HEADER + " header", null));
    }
    if (compact.length() > MAX_GRANT_CHARS) {
      throw refused(route, null, new Refusal(Refusal.Kind.GRANT_INVALID, "the grant has " + compact.length()
          + " characters; the gateway forwards grants of at most " + MAX_GRANT_CHARS, "grant_too_large"));
    }
    // The grant first: its check needs no body, and a caller without one must not get to make the
    // gateway hold a request open while it reads a body of up to MAX_BODY_BYTES.
    Grant grant;
    try {
      grant = grants.verify(compact);
    } catch (GrantRejectedException e) {
      // An expired (or not yet valid) grant was signed by the engine: its ids tie the attempt to its decision.
      throw refused(route, e.signedClaims().orElse(null), new Refusal(Refusal.Kind.GRANT_INVALID, e.getMessage(), e.code()));
    }
    if (ctx.req().getQueryString() != null) {
      // Nothing signed covers a query (the grant binds the payload, the proof the upstream path) and
      // the gateway forwards none: a `?dry_run=true` dropped on the way would run the real action.
      throw mismatch(route, grant, "query_not_allowed", "the request has a query string; nothing the engine signed "
          + "covers one and the gateway forwards none: put what the tool needs in the payload");
    }
    byte[] body = HttpProblems.body(ctx, MAX_BODY_BYTES);
    byte[] payload = requireMatch(route, grant, body, ctx.header(TARGET_HEADER));
    String attempt = nonce(); // this call's name on the ledger: only it may give its start up
    BurnStore.Claim burn = burn(route, grant, new BurnStore.OpenExecution(grant.grantId(), attempt, compact,
        dev.arbiter.gateway.burn.Owner.current()));
    try {
      String executionId = start(route, grant, compact, attempt);
      awaitBurnDurable(burn, grant, compact, executionId);
      forward(ctx, route, grant, compact, executionId, payload);
    } finally {
      // The outcome or the give-up is handed over (or the process dies here, and its successor reports
      // the execution as interrupted: GatewayServer).
      burns.closeOpen(grant.grantId());
    }
  }

  /** Checks that the grant fits this request; returns the canonical form of the body, the bytes to forward. */
  private byte[] requireMatch(ToolRoute route, Grant grant, byte[] body, String targetHeader) throws Refusal {
    if (!grant.tool().equals(route.name())) {
      throw mismatch(route, grant, "tool_mismatch", "grant is for tool `" + grant.tool() + "`, not `" + route.name() + "`");
    }
    if (!route.allowedClasses().contains(grant.actionClass())) {
      throw mismatch(route, grant, "action_class_not_allowed",
          "action class `" + grant.actionClass() + "` is not allowed for tool `" + route.name() + "`");
    }
    if (!route.environments().isEmpty() && !route.environments().contains(grant.environment())) {
      throw mismatch(route, grant, "environment_mismatch", "grant was decided for environment `" + grant.environment()
          + "`; tool `" + route.name() + "` acts on " + new java.util.TreeSet<>(route.environments()));
    }
    byte[] canonical;
    try {
      canonical = CanonicalJson.encode(StrictJson.parse(body));
    } catch (RuntimeException e) {
      throw mismatch(route, grant, "payload_mismatch", "the body is not the canonicalisable JSON payload the grant authorises");
    }
    String got = Grant.canonicalPayloadHash(canonical);
    if (!got.equals(grant.payloadHash())) {
      throw mismatch(route, grant, "payload_mismatch", "grant authorises payload " + grant.payloadHash() + ", the body is " + got);
    }
    if (canonical.length > MAX_BODY_BYTES) { // 1e20 is 21 digits canonically: the forwarded form can outgrow the body
      throw new Refusal(Refusal.Kind.PAYLOAD_TOO_LARGE, "the payload's canonical form, which is what would be forwarded, has "
          + canonical.length + " bytes; the limit is " + MAX_BODY_BYTES, null);
    }
    if (targetHeader != null) {
      String granted = grant.target().type() + "/" + grant.target().id();
      if (!granted.equals(targetHeader.trim())) {
        String shown = targetHeader.length() > 80 ? targetHeader.substring(0, 80) + "…" : targetHeader;
        throw mismatch(route, grant, "target_mismatch", "grant is for target `" + granted + "`, the request names `" + shown + "`");
      }
    }
    return canonical;
  }

  /** Claims the grant: returns the winning burn (committed; on disk once {@link BurnStore.Claim#awaitDurable} returns). */
  private BurnStore.Claim burn(ToolRoute route, Grant grant, BurnStore.OpenExecution open) throws Refusal {
    BurnStore.Claim claim;
    try {
      claim = burns.claim(grant.grantId(), grant.decisionId(), grant.expiresAt(), open);
    } catch (BurnStoreUnavailableException e) {
      throw burnStoreUnavailable(grant, e);
    }
    if (!claim.won()) {
      // The row that beat this call may be its group's, not yet on disk: say "already used" (and
      // ledger it) only once that row is durable, or the record could outlive the burn it cites.
      try {
        claim.awaitDurable();
      } catch (BurnStoreUnavailableException e) {
        throw burnStoreUnavailable(grant, e);
      }
      throw refused(route, grant, new Refusal(Refusal.Kind.GRANT_ALREADY_USED,
          "grant " + grant.grantId() + " was already used", null));
    }
    return claim;
  }

  /** Waits for the burn to be on disk; if it cannot be, closes the recorded start as a failed execution and refuses. */
  private void awaitBurnDurable(BurnStore.Claim burn, Grant grant, String compact, String executionId) throws Refusal {
    try {
      burn.awaitDurable();
    } catch (BurnStoreUnavailableException e) {
      finish(compact, grant, executionId, false, 0, 0, new byte[0], ExecutionRecorder.NOT_FORWARDED);
      throw burnStoreUnavailable(grant, e);
    }
  }

  private static Refusal burnStoreUnavailable(Grant grant, BurnStoreUnavailableException e) {
    LOG.error("burn store unavailable; refusing grant_id={}: {}", grant.grantId(), e.getMessage());
    return new Refusal(Refusal.Kind.BURN_STORE_UNAVAILABLE, "the gateway cannot record single use; nothing was forwarded", null);
  }

  private String start(ToolRoute route, Grant grant, String compact, String attempt) throws Refusal {
    try {
      ExecutionRecorder.Started s = recorder.started(compact, attempt);
      try {
        starts.verify(grant, attempt, s.executionId(), s.receipt(), s.event());
      } catch (StartReceiptCheck.NotProvenException | RuntimeException e) { // nothing unproven is forwarded
        // Not on the ledger as far as this gateway can prove: refused like an unconfirmed start (given up
        // below, so a start the ledger did record is closed as not forwarded).
        throw new RecorderException("the answer to the start proves nothing with the pinned ledger key: " + e.getMessage());
      }
      return s.executionId();
    } catch (GrantAlreadyUsedException e) {
      throw refused(route, grant, new Refusal(Refusal.Kind.GRANT_ALREADY_USED,
          "the ledger already records a use of grant " + grant.grantId(), null));
    } catch (dev.arbiter.gateway.execution.GrantRefusedException e) {
      // The engine recorded this refusal itself, on the decision's stream.
      LOG.warn("engine refused grant_id={}: {}", grant.grantId(), e.problemType());
      throw new Refusal(Refusal.Kind.GRANT_REFUSED, "the engine refused to execute grant " + grant.grantId()
          + ": the decision is no longer executable", e.problemType().substring(e.problemType().lastIndexOf('/') + 1));
    } catch (RecorderException e) {
      LOG.error("execution start not recorded; refusing grant_id={}: {}", grant.grantId(), e.getMessage());
      // The engine may have recorded the start (it answered too late) or not: until the ledger hears
      // that the gateway gave the grant up, such a start dangles without an outcome, and one still in
      // flight could land later (black-box run: a frozen engine). Sent until the engine takes it.
      reports.giveUp(compact, grant.grantId(), attempt);
      throw new Refusal(Refusal.Kind.LEDGER_UNAVAILABLE,
          "the execution could not be recorded on the ledger; nothing was forwarded. This grant is used up (burned"
              + " here, given up on the ledger): once the engine answers, ask it for the decision's grant again"
              + " (arbiter agent --decision ID); if the start had reached the ledger, the decision is spent", null);
    }
  }

  private void forward(Context ctx, ToolRoute route, Grant grant, String compact, String executionId, byte[] body)
      throws Refusal {
    GatewayProof proof = new GatewayProof(grant.grantId(), route.name(), "POST", route.upstreamPath(),
        GatewayProof.bodyHash(body), clock.instant(), nonce());
    long t0 = System.nanoTime();
    Upstream.Answer answer;
    try {
      answer = upstream.forward(route, compact, proof.sign(gatewayKey), body);
    } catch (IOException | InterruptedException | RuntimeException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      long ms = (System.nanoTime() - t0) / 1_000_000;
      StrictHttpClient.ExchangeException.Kind kind = e.getCause() instanceof StrictHttpClient.ExchangeException x ? x.kind() : null;
      LOG.warn("tool `{}` unreachable for grant_id={} execution_id={}: {}", route.name(), grant.grantId(), executionId, e.toString());
      if (kind == StrictHttpClient.ExchangeException.Kind.REFUSED) {
        // Nothing reached the tool: the ledger says so (it said "unreachable: it may have run").
        finish(compact, grant, executionId, false, 0, ms, new byte[0], ExecutionRecorder.NOT_FORWARDED);
        throw new Refusal(Refusal.Kind.UPSTREAM_FAILED, "tool `" + route.name() + "` refused the connection; nothing was"
            + " forwarded", "not_forwarded");
      }
      finish(compact, grant, executionId, false, 0, ms, new byte[0], ExecutionRecorder.UPSTREAM_UNREACHABLE);
      throw new Refusal(Refusal.Kind.UPSTREAM_FAILED, kind == StrictHttpClient.ExchangeException.Kind.TIMEOUT
          ? "tool `" + route.name() + "` did not answer within " + route.timeout().toMillis() + " ms; it may have run"
          : "tool `" + route.name() + "` could not be reached or the exchange broke; it may have run", "outcome_unknown");
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    boolean confirmed = answer.status() >= 200 && answer.status() < 300;
    finish(compact, grant, executionId, confirmed, answer.status(), ms, answer.body(),
        confirmed ? null : ExecutionRecorder.UPSTREAM_STATUS);
    LOG.info("executed grant_id={} decision_id={} tool={} execution_id={} status={}", grant.grantId(), grant.decisionId(),
        route.name(), executionId, answer.status());
    ctx.status(answer.status());
    ctx.header(EXECUTION_ID_HEADER, executionId);
    if (answer.contentType() != null) {
      ctx.contentType(answer.contentType());
    }
    ctx.result(answer.body());
  }

  /**
   * Records an execution's outcome. The call may have happened by now, so the tool's answer is returned
   * whatever happens here (hiding it would invite a retry of a non-idempotent action); an outcome the
   * ledger did not take now goes to {@link ReportSender}, stored and sent until it does.
   */
  private void finish(String compact, Grant grant, String executionId, boolean confirmed, int status, long ms,
      byte[] response, String failure) {
    String responseHash = GatewayProof.bodyHash(response);
    try {
      recorder.finished(compact, executionId, confirmed, status, ms, responseHash, failure);
    } catch (dev.arbiter.gateway.execution.GrantRefusedException e) {
      LOG.error("the engine refused the outcome of grant_id={} execution_id={}: {}", grant.grantId(), executionId,
          e.problemType());
    } catch (RecorderException e) {
      LOG.error("execution outcome not recorded yet for grant_id={} execution_id={}; sending it again: {}",
          grant.grantId(), executionId, e.getMessage());
      reports.outcome(compact, grant.grantId(), executionId, confirmed, status, ms, responseHash, failure);
    }
  }

  private Refusal mismatch(ToolRoute route, Grant grant, String reason, String detail) {
    return refused(route, grant, new Refusal(Refusal.Kind.GRANT_MISMATCH, detail, reason));
  }

  /**
   * A call to a path no tool is configured for, refused and recorded like every other refusal: with a
   * grant that verifies, the record names the grant and its decision (a grant spent against the wrong
   * tool is an attempt the decision's auditors should see). The path's name is the caller's text: it
   * is shown, logged and recorded as {@link CallerText#masked} when it looks like a credential, else
   * as {@link CallerText#printable}, cut to 64 characters.
   */
  private Refusal unknownTool(Context ctx, String name) {
    // Neither answered, logged nor recorded on the ledger when it looks like a credential (as every
    // echo of input in the engine's errors, FieldError).
    java.util.Optional<String> masked = CallerText.masked(name, "a name");
    String shown = masked.orElseGet(() -> CallerText.printable(name, 64));
    Refusal r = new Refusal(Refusal.Kind.UNKNOWN_TOOL,
        "no tool " + (masked.isPresent() ? shown : "`" + shown + "`") + " is behind this gateway", null);
    String compact = ctx.header(GatewayProof.GRANT_HEADER);
    if (compact == null || compact.isBlank() || compact.length() > MAX_GRANT_CHARS) {
      return r; // a path probed without a grant (a scanner): answered, not recorded
    }
    try {
      return refused(shown, grants.verify(compact), r);
    } catch (GrantRejectedException e) {
      return r; // an invalid grant names nothing worth recording; the refusal is about the tool
    }
  }

  private Refusal refused(ToolRoute route, Grant grant, Refusal r) {
    return refused(route.name(), grant, r);
  }

  /** Logs a refusal and records it on the ledger in the background (best effort: the refusal stands). */
  private Refusal refused(String toolName, Grant grant, Refusal r) {
    LOG.warn("refused call to tool={} grant_id={}: {} {}", toolName, grant == null ? "-" : grant.grantId(),
        r.kind().slug(), r.reason() == null ? "" : r.reason());
    String grantId = grant == null ? null : grant.grantId();
    String decisionId = grant == null ? null : grant.decisionId();
    if (!refusals.offer(() -> recorder.refused(toolName, r.kind().slug(), r.reason(), grantId, decisionId))) {
      long dropped = droppedRefusals.incrementAndGet();
      if (dropped % 1000 == 1) {
        LOG.warn("refusal reports are backing up; {} not sent to the ledger so far", dropped);
      }
    }
    return r;
  }

  /**
   * Refusal reports wait here for the one thread that sends them: bounded, so a flood of ungoverned
   * calls can neither pile up threads nor memory; beyond it reports are dropped (and counted), the
   * refusals themselves still stand.
   */
  private final java.util.concurrent.BlockingQueue<Runnable> refusals = new java.util.concurrent.ArrayBlockingQueue<>(1000);
  private final java.util.concurrent.atomic.AtomicLong droppedRefusals = new java.util.concurrent.atomic.AtomicLong();

  private final Thread refusalReporter = Thread.ofVirtual().name("refusal-reporter").start(() -> {
    while (true) {
      try {
        refusals.take().run();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.warn("refusal report failed: {}", e.toString());
      }
    }
  });

  /** Stops the refusal reporter and the upstream client (calls in flight fail and are recorded as failed). */
  @Override
  public void close() {
    refusalReporter.interrupt();
    upstream.close();
  }

  private String nonce() {
    byte[] b = new byte[16];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
