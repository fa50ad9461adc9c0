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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the reports the ledger did not take at the first try: an execution's outcome (the tool ran,
 * or was never called, and the engine did not answer) and a give-up (a start the gateway could not
 * confirm, see {@link ExecutionRecorder#abandoned}). Without them the ledger would show a start with no
 * outcome for good.
 *
 * <p>One platform thread ({@code ledger-reports}) does everything: it stores each new report in
 * {@link PendingReports} (so that a gateway restarted meanwhile sends it on its next start), sends the
 * reports, and forgets each once the engine took it or refused it for good ({@link
 * GrantRefusedException}). A request thread only hands a report over: no disk write or fsync on a
 * virtual thread's carrier (review). Reports of different grants need no order: each has its own
 * next try (250 ms doubling to 5 minutes), so one the engine keeps failing (a decision it cannot
 * load) does not hold the others up (review: one such report blocked all behind it for a day, until
 * the grants behind it were too old to be taken). After a passing failure the sender pauses before
 * its next try of any report (250 ms doubling to 30 s while they keep failing): an engine that is
 * down costs one try per pause, not one per report.
 *
 * <p>A report that cannot be stored (the disk fails, or {@link PendingReports#MAX_ROWS} wait) is still
 * sent from memory, and logged as such; at most {@link #MAX_WAITING} wait in all. The stored rows are
 * not bound to a gateway: a burn file shared by gateways has its rows sent by whichever opens it, so
 * gateways sharing one must use the same engine token subject (a give-up by another subject is
 * refused by the engine, as it must be).
 */
public final class ReportSender implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReportSender.class);
  static final int MAX_WAITING = PendingReports.MAX_ROWS + 1_000;
  private static final Duration FIRST_WAIT = Duration.ofMillis(250);
  private static final Duration LONGEST_WAIT = Duration.ofMinutes(5);
  private static final Duration LONGEST_PAUSE = Duration.ofSeconds(30);

  static final String OUTCOME = "outcome";
  static final String GIVE_UP = "give_up";

  /** A report waiting: its row ({@code -1}: memory only), its JSON when not stored, its next try. */
  private static final class Pending {
    final long id;
    final JsonNode report;
    long nextTryNanos = System.nanoTime();
    long waitMillis = FIRST_WAIT.toMillis();
    int tries;

    Pending(long id, JsonNode report) {
      this.id = id;
      this.report = report;
    }
  }

  private final ExecutionRecorder recorder;
  private final PendingReports store;
  /** Reports handed over by request threads, not yet stored: the sender stores them first. */
  private final LinkedBlockingQueue<ObjectNode> intake = new LinkedBlockingQueue<>(MAX_WAITING);
  /** Reports the sender holds; only its thread touches this list. */
  private final List<Pending> waiting = new ArrayList<>();
  private volatile boolean closing;
  /** Set once the sender has left its loop: from then on nothing takes the intake but the callers themselves. */
  private volatile boolean stopped;
  /** Set when stored rows are not all held in memory (beyond {@link #MAX_WAITING}): they are read again once there is room. */
  private volatile boolean overflowed;
  /** Handed over by {@link #close} to wake the sender; never stored. */
  private static final ObjectNode STOP = JsonNodeFactory.instance.objectNode();
  /** Handed over by {@link #interruptedStored} to wake the sender for a row stored by the caller; never stored. */
  private static final ObjectNode WAKE = JsonNodeFactory.instance.objectNode();
  private final Thread sender;

  private ReportSender(ExecutionRecorder recorder, PendingReports store) {
    this.recorder = recorder;
    this.store = store;
    this.sender = Thread.ofPlatform().name("ledger-reports").daemon(true).unstarted(this::run);
  }

  /** Starts sending: first what an earlier run left in {@code store}, then what {@link #outcome}/{@link #giveUp} hand over. */
  public static ReportSender start(ExecutionRecorder recorder, PendingReports store) {
    ReportSender s = new ReportSender(recorder, store);
    try {
      List<Long> ids = store.ids();
      for (long id : ids.subList(0, Math.min(ids.size(), MAX_WAITING))) {
        s.waiting.add(new Pending(id, null));
      }
      s.overflowed = ids.size() > MAX_WAITING;
      if (!ids.isEmpty()) {
        LOG.warn("{} report(s) from an earlier run have not reached the ledger yet; sending them", ids.size());
      }
    } catch (BurnStoreUnavailableException e) {
      s.overflowed = true; // read again by the sender, about once a second (review)
      LOG.error("cannot read the reports an earlier run left for the ledger now: {}", e.getMessage());
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
    submit(giveUpReport(grantCompact, grantId, attempt, false));
  }

  /**
   * An execution another gateway process left under way when it was killed, reported as interrupted
   * until the engine takes it: stored on the caller's thread before this returns (the caller then
   * removes the execution's open row, and a crash in between must not lose both), then sent.
   *
   * @throws BurnStoreUnavailableException when it could not be stored (the caller keeps the open row)
   */
  public void interruptedStored(String grantCompact, String grantId, String attempt) throws BurnStoreUnavailableException {
    store.add(giveUpReport(grantCompact, grantId, attempt, true).toString());
    overflowed = true; // the sender reads the store again for rows it does not hold
    intake.offer(WAKE);
  }

  /**
   * The report of an execution a killed gateway process left under way ({@link
   * ExecutionRecorder#interrupted}), as stored for the sender; the successor adds it to the store at its
   * start, before the sender runs.
   */
  public static String interruptedReport(String grantCompact, String grantId, String attempt) {
    return giveUpReport(grantCompact, grantId, attempt, true).toString();
  }

  private static ObjectNode giveUpReport(String grantCompact, String grantId, String attempt, boolean interrupted) {
    ObjectNode r = JsonNodeFactory.instance.objectNode().put("kind", GIVE_UP).put("grant", grantCompact)
        .put("grant_id", grantId).put("attempt", attempt);
    if (interrupted) {
      r.put("interrupted", true);
    }
    return r;
  }

  private void submit(ObjectNode report) {
    if (!closing && !stopped && intake.offer(report)) {
      if (closing || stopped) {
        // The sender may have drained the intake for the last time between the check and the offer:
        // drain it here (poll is atomic, so nothing is stored twice; review: a report was left behind).
        drainIntakeToStore();
      }
      return;
    }
    storeForNextStart(report);
  }

  /** Stores for the next start whatever is still handed over; on the caller's thread. */
  private void drainIntakeToStore() {
    ObjectNode left;
    while ((left = intake.poll()) != null) {
      if (left != STOP && left != WAKE) {
        storeForNextStart(left);
      }
    }
  }

  private void storeForNextStart(ObjectNode report) {
    // Stopping (or the intake is full): stored here, on the caller's thread, while the store is still
    // open (review: a stop dropped the outcomes of calls the stop itself cut short).
    try {
      store.add(text(report));
      overflowed = true; // after the row is there: a running sender picks it up, else the next start does
      LOG.warn("the {} of grant_id={} is stored to be sent later", report.path("kind").asText(),
          report.path("grant_id").asText());
    } catch (BurnStoreUnavailableException e) {
      LOG.error("the {} of grant_id={} is lost: {}", report.path("kind").asText(), report.path("grant_id").asText(),
          e.getMessage());
    }
  }

  private void run() {
    long pauseMillis = 0;
    boolean pauseNow = false;
    try {
      while (!closing) {
        storeHandedOver();
        if (pauseNow) {
          pauseNow = false;
          // The engine as a whole is not answering: wait, storing what is handed over meanwhile (review:
          // a plain sleep left new reports in memory only for up to 30 s).
          long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pauseMillis);
          for (long left; !closing && (left = until - System.nanoTime()) > 0; ) {
            ObjectNode handed = intake.poll(left, TimeUnit.NANOSECONDS);
            if (handed != null && handed != STOP && handed != WAKE) {
              take(handed);
            }
          }
          continue; // then the next try (review of a first version: it paused for good)
        }
        if (overflowed && waiting.size() < MAX_WAITING / 2) {
          refill();
        }
        Pending next = due();
        if (next == null) {
          ObjectNode handed = intake.poll(untilNextTry(), TimeUnit.NANOSECONDS);
          if (handed != null && handed != STOP && handed != WAKE) {
            take(handed);
          }
          continue;
        }
        Outcome o = send(next);
        next.tries++;
        if (o == Outcome.DONE) {
          waiting.remove(next);
          if (next.id >= 0) {
            forget(next.id);
          }
          pauseMillis = 0;
          continue;
        }
        if (o == Outcome.ENGINE_DOWN) {
          // The engine as a whole: every report waits on the shared pause. The report's own wait grows
          // only after a few such tries (a timeout may be this report's alone: a decision slow to load;
          // review), so after a short outage it goes first once the engine answers again.
          pauseMillis = pauseMillis == 0 ? FIRST_WAIT.toMillis() : Math.min(pauseMillis * 2, LONGEST_PAUSE.toMillis());
          pauseNow = true;
          if (next.tries <= 3) {
            next.nextTryNanos = System.nanoTime();
          } else {
            next.nextTryNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(next.waitMillis);
            next.waitMillis = Math.min(next.waitMillis * 2, LONGEST_WAIT.toMillis());
          }
        } else {
          // Refused now for this decision alone (a 500 for a stream the engine cannot load): this report
          // waits on its own, the others go on (review: a dozen of those delayed a good report by four
          // minutes).
          next.nextTryNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(next.waitMillis);
          next.waitMillis = Math.min(next.waitMillis * 2, LONGEST_WAIT.toMillis());
          pauseMillis = 0;
        }
      }
    } catch (InterruptedException e) {
      // stopping
    } catch (Throwable t) {
      LOG.error("the ledger report sender stopped; stored reports are sent at the next start", t);
    } finally {
      stopped = true;
      while (!intake.isEmpty()) {
        storeHandedOver(); // nothing handed over is left in memory only
      }
    }
  }

  /** Holds the stored rows that are not held yet (review: rows beyond the limit waited for the next start). */
  private void refill() {
    overflowed = false;
    try {
      java.util.Set<Long> held = new java.util.HashSet<>();
      waiting.forEach(p -> held.add(p.id));
      for (long id : store.ids()) {
        if (waiting.size() >= MAX_WAITING) {
          overflowed = true;
          break;
        }
        if (held.add(id)) {
          waiting.add(new Pending(id, null));
        }
      }
    } catch (BurnStoreUnavailableException e) {
      overflowed = true;
      LOG.warn("cannot read the stored reports now: {}", e.getMessage());
    }
  }

  /** Stores the reports request threads handed over. */
  private void storeHandedOver() {
    ObjectNode r;
    // At most a few hundred at a time (one flush each), so that sending goes on while many arrive (review).
    for (int n = 0; n < 256 && (r = intake.poll()) != null; n++) {
      if (r != STOP && r != WAKE) {
        take(r);
      }
    }
  }

  /** Stores one report handed over and holds it for sending. */
  private void take(ObjectNode r) {
    long id = -1;
    try {
      id = store.add(text(r));
    } catch (BurnStoreUnavailableException e) {
      LOG.error("the {} of grant_id={} is kept in memory only (a restart loses it): {}", r.path("kind").asText(),
          r.path("grant_id").asText(), e.getMessage());
    }
    if (waiting.size() < MAX_WAITING) {
      waiting.add(new Pending(id, id >= 0 ? null : r));
    } else if (id >= 0) {
      overflowed = true; // stored: sent once the reports held now are done
      LOG.warn("too many reports wait for the ledger; the {} of grant_id={} is sent once others are done",
          r.path("kind").asText(), r.path("grant_id").asText());
    } else {
      LOG.error("too many reports wait for the ledger; the {} of grant_id={} is lost", r.path("kind").asText(),
          r.path("grant_id").asText());
    }
  }

  /**
   * The report to send now: one never tried first (review: overdue retries were always served before
   * new reports), else the retry due first, if its time has come.
   */
  private Pending due() {
    Pending first = null;
    for (Pending p : waiting) {
      if (p.tries == 0) {
        return p;
      }
      if (first == null || p.nextTryNanos - first.nextTryNanos < 0) {
        first = p;
      }
    }
    return first != null && first.nextTryNanos - System.nanoTime() <= 0 ? first : null;
  }

  private long untilNextTry() {
    long now = System.nanoTime();
    long until = TimeUnit.SECONDS.toNanos(1);
    for (Pending p : waiting) {
      until = Math.min(until, Math.max(0, p.nextTryNanos - now));
    }
    return Math.max(until, TimeUnit.MILLISECONDS.toNanos(1));
  }

  private enum Outcome { DONE, TRY_AGAIN, ENGINE_DOWN }

  private Outcome send(Pending p) {
    JsonNode r = p.report;
    if (r == null) {
      try {
        java.util.Optional<String> stored = store.get(p.id);
        if (stored.isEmpty()) {
          // Sent and forgotten by another gateway sharing the file, or never stored after all.
          LOG.warn("pending report {} is no longer in the burn store; not sent", p.id);
          return Outcome.DONE;
        }
        r = StrictJson.parse(stored.get().getBytes(StandardCharsets.UTF_8));
      } catch (BurnStoreUnavailableException e) {
        LOG.warn("cannot read pending report {} now: {}", p.id, e.getMessage());
        return Outcome.TRY_AGAIN;
      } catch (RuntimeException e) {
        // Not quoted: the parser's message can hold part of the row, and the row holds a grant.
        LOG.error("pending report {} is unreadable; dropped", p.id);
        return Outcome.DONE;
      }
    }
    String kind = r.path("kind").asText();
    String grantId = r.path("grant_id").asText();
    try {
      if (GIVE_UP.equals(kind) && r.path("interrupted").asBoolean(false)) {
        recorder.interrupted(r.path("grant").asText(), r.path("attempt").asText());
        LOG.info("the ledger knows the execution of grant_id={} was interrupted (a gateway stopped during it)", grantId);
      } else if (GIVE_UP.equals(kind)) {
        recorder.abandoned(r.path("grant").asText(), r.path("attempt").asText());
        LOG.info("the ledger knows grant_id={} was given up (nothing was forwarded)", grantId);
      } else if (OUTCOME.equals(kind)) {
        recorder.finished(r.path("grant").asText(), r.path("execution_id").asText(), r.path("confirmed").asBoolean(),
            r.path("upstream_status").asInt(), r.path("duration_ms").asLong(), r.path("response_hash").asText(),
            r.hasNonNull("reason") ? r.path("reason").asText() : null);
        LOG.info("the ledger now holds the outcome of execution_id={} (grant_id={})", r.path("execution_id").asText(),
            grantId);
      } else {
        LOG.error("pending report of unknown kind dropped");
      }
      return Outcome.DONE;
    } catch (GrantRefusedException e) {
      LOG.error("the engine refused the {} of grant_id={} for good: {}", kind, grantId, e.problemType());
      return Outcome.DONE;
    } catch (RecorderException e) {
      LOG.warn("the {} of grant_id={} did not reach the ledger yet: {}", kind, grantId, e.getMessage());
      return e instanceof EngineUnreachableException ? Outcome.ENGINE_DOWN : Outcome.TRY_AGAIN;
    } catch (RuntimeException e) {
      // A fault of this process (the HTTP client, a bug): not the report's; tried again (review: it ended the thread).
      LOG.error("sending the {} of grant_id={} failed; trying again later", kind, grantId, e);
      return Outcome.TRY_AGAIN;
    }
  }

  private void forget(long id) {
    try {
      store.remove(id);
    } catch (BurnStoreUnavailableException e) {
      LOG.error("report {} reached the ledger but stays stored (sent again at the next start): {}", id, e.getMessage());
    }
  }

  private static String text(JsonNode report) {
    return new String(CanonicalJson.encode(report), StandardCharsets.UTF_8);
  }

  /**
   * Stops sending. Reports handed over and not yet stored are stored before this returns; reports
   * handed over afterwards are stored by the caller's thread. The store is the caller's to close,
   * after this.
   */
  @Override
  public void close() {
    closing = true;
    // Woken by a hand-over, not interrupted: an interrupt during the WAL flush would close the file's
    // channel for good (WalFile), and every later store would go unflushed (review). A send in flight
    // ends within the recorder's timeout.
    intake.offer(STOP);
    try {
      sender.join(Duration.ofSeconds(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    drainIntakeToStore();
  }
}
