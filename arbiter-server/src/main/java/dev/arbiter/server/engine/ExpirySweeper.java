package dev.arbiter.server.engine;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls {@link DecisionEngine#expireDue()} and purges expired approval challenges ({@link
 * ApprovalService#purgeExpired}) at a fixed interval on one daemon thread. Time itself comes
 * from the engine's injected clock, so tests drive expiry by advancing a fake clock and calling
 * {@code expireDue} directly.
 */
public final class ExpirySweeper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ExpirySweeper.class);
  private final ScheduledExecutorService scheduler;

  private ExpirySweeper(ScheduledExecutorService scheduler) {
    this.scheduler = scheduler;
  }

  public static ExpirySweeper start(DecisionEngine engine, Duration interval) {
    ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "arbiter-expiry");
      t.setDaemon(true);
      return t;
    });
    s.scheduleWithFixedDelay(() -> {
      try {
        int n = engine.expireDue();
        if (n > 0) {
          LOG.info("expired {} pending decisions", n);
        }
      } catch (RuntimeException e) {
        LOG.error("expiry sweep failed", e);
      }
      try {
        engine.approvals().purgeExpired();
      } catch (RuntimeException e) {
        LOG.error("purging expired challenges failed", e);
      }
    }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    return new ExpirySweeper(s);
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
