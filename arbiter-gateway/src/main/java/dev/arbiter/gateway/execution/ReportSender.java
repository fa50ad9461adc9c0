package dev.arbiter.gateway.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.canonical.StrictJson;
import dev.arbiter.gateway.burn.BurnStoreUnavailableException;
import dev.arbiter.gateway.burn.PendingReports;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the reports the ledger did not take at the first try: an execution's outcome (the tool ran,
 * or was never called, and the engine did not answer) and a give-up (a start the gateway could not
 * confirm, see {@link ExecutionRecorder#abandoned}). Without them the ledger would show a start with no
 * outcome for good.
 *
 * <p>Each report is stored in {@link PendingReports} before it is queued, so that a gateway restarted
 * meanwhile sends it on its next start, and forgotten once the engine took it or refused it for good
 * ({@link GrantRefusedException}: a grant not its own, an outcome for an execution that is not running;
 * an outcome it already holds counts as taken). One thread sends them in order; while the engine does
 * not answer it waits, 250 ms doubling to 30 s, and then tries the same report again, so an engine
 * that is down costs one attempt per wait, not one per report.
 *
 * <p>A report that cannot be stored (the disk fails, or {@link PendingReports#MAX_ROWS} wait) is still
 * sent from memory, and logged as such; at most {@link #MAX_QUEUED} wait in memory.
 */
public final class ReportSender implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReportSender.class);
  static final int MAX_QUEUED = PendingReports.MAX_ROWS + 1_000;
  private static final Duration FIRST_WAIT = Duration.ofMillis(250);
  private static final Duration LONGEST_WAIT = Duration.ofSeconds(30);

  static final String OUTCOME = "outcome";
  static final String GIVE_UP = "give_up";

  /** A report and its row ({@code -1}: kept in memory only). */
  private record Pending(long id, JsonNode report) {}

  private final ExecutionRecorder recorder;
  private final PendingReports store;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>(MAX_QUEUED);
  private volatile boolean closed;
  private final Thread sender;

  private ReportSender(ExecutionRecorder recorder, PendingReports store) {
    this.recorder = recorder;
    this.store = store;
    this.sender = Thread.ofVirtual().name("ledger-reports").unstarted(this::sendLoop);
  }

  /** Starts sending: first what an earlier run left in {@code store}, then what {@link #outcome}/{@link #giveUp} add. */
  public static ReportSender start(ExecutionRecorder recorder, PendingReports store) {
    ReportSender s = new ReportSender(recorder, store);
    try {
      for (PendingReports.Stored row : store.all()) {
        JsonNode report;
        try {
          report = StrictJson.parse(row.report().getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
          LOG.error("pending report {} is unreadable; dropped: {}", row.id(), e.getMessage());
          s.forget(row.id());
          continue;
        }
        if (!s.queue.offer(new Pending(row.id(), report))) {
          LOG.error("too many pending reports; report {} waits for the next start", row.id());
          break;
        }
      }
      if (!s.queue.isEmpty()) {
        LOG.warn("{} report(s) from an earlier run have not reached the ledger yet; sending them", s.queue.size());
      }
    } catch (BurnStoreUnavailableException e) {
      LOG.error("cannot read the reports an earlier run left for the ledger: {}", e.getMessage());
    }
    s.sender.start();
    return s;
  }

  /** An outcome {@link ExecutionRecorder#finished} could not record: sent again until the engine takes it. */
  public void outcome(String grantCompact, String grantId, String executionId, boolean confirmed, int upstreamStatus,
      long durationMs, String responseHash, String failure) {
    ObjectNode r = JsonNodeFactory.instance.objectNode().put("kind", OUTCOME).put("grant", grantCompact)
        .put("grant_id", grantId).put("execution_id", executionId).put("confirmed", confirmed)
        .put("upstream_status", upstreamStatus).put("duration_ms", durationMs).put("response_hash", responseHash);
    if (failure != null) {
      r.put("reason", failure);
    }
    submit(r);
  }

  /** A start the gateway could not confirm, given up ({@link ExecutionRecorder#abandoned}) until the engine takes it. */
  public void giveUp(String grantCompact, String grantId, String attempt) {
    submit(JsonNodeFactory.instance.objectNode().put("kind", GIVE_UP).put("grant", grantCompact)
        .put("grant_id", grantId).put("attempt", attempt));
  }

  private void submit(ObjectNode report) {
    String grantId = report.path("grant_id").asText();
    if (closed) {
      LOG.error("stopping: the {} of grant_id={} is not sent to the ledger", report.path("kind").asText(), grantId);
      return;
    }
    long id = -1;
    try {
      id = store.add(new String(CanonicalJson.encode(report), StandardCharsets.UTF_8));
    } catch (BurnStoreUnavailableException e) {
      LOG.error("the {} of grant_id={} is kept in memory only (a restart loses it): {}", report.path("kind").asText(),
          grantId, e.getMessage());
    }
    if (!queue.offer(new Pending(id, report))) {
      LOG.error("too many reports wait for the ledger; the {} of grant_id={} waits for the next start",
          report.path("kind").asText(), grantId);
    }
  }

  private void sendLoop() {
    try {
      while (!closed) {
        Pending p = queue.take();
        long wait = FIRST_WAIT.toMillis();
        while (!send(p)) {
          Thread.sleep(wait);
          wait = Math.min(wait * 2, LONGEST_WAIT.toMillis());
        }
        if (p.id() >= 0) {
          forget(p.id());
        }
      }
    } catch (InterruptedException e) {
      // closing: what is still queued is in the store for the next start
    }
  }

  /** True once the report is done with (taken, or refused for good); false to try again later. */
  private boolean send(Pending p) throws InterruptedException {
    if (closed) {
      throw new InterruptedException("closed");
    }
    JsonNode r = p.report();
    String kind = r.path("kind").asText();
    String grantId = r.path("grant_id").asText();
    try {
      if (GIVE_UP.equals(kind)) {
        recorder.abandoned(r.path("grant").asText(), r.path("attempt").asText());
        LOG.info("the ledger knows grant_id={} was given up (nothing was forwarded)", grantId);
      } else if (OUTCOME.equals(kind)) {
        recorder.finished(r.path("grant").asText(), r.path("execution_id").asText(), r.path("confirmed").asBoolean(),
            r.path("upstream_status").asInt(), r.path("duration_ms").asLong(), r.path("response_hash").asText(),
            r.hasNonNull("reason") ? r.path("reason").asText() : null);
        LOG.info("the ledger now holds the outcome of execution_id={} (grant_id={})", r.path("execution_id").asText(),
            grantId);
      } else {
        LOG.error("pending report of unknown kind `{}` dropped", kind);
      }
      return true;
    } catch (GrantRefusedException e) {
      LOG.error("the engine refused the {} of grant_id={} for good: {}", kind, grantId, e.problemType());
      return true;
    } catch (RecorderException e) {
      LOG.warn("the {} of grant_id={} did not reach the ledger yet: {}", kind, grantId, e.getMessage());
      return false;
    }
  }

  private void forget(long id) {
    try {
      store.remove(id);
    } catch (BurnStoreUnavailableException e) {
      LOG.error("report {} reached the ledger but stays stored (sent again at the next start): {}", id, e.getMessage());
    }
  }

  /** Stops sending; reports still waiting stay stored for the next start. */
  @Override
  public void close() {
    closed = true;
    sender.interrupt();
    try {
      sender.join(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
