package dev.arbiter.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.core.decision.DecisionStatus;
import dev.arbiter.server.config.ServerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.AbstractCollection;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a proposer was counted for since the last scan still counts while the next scan runs. */
class SubmissionQuotaScanTest {
  private static Submission pending() {
    return new Submission(StreamSummary.expand("dec_01M8CVMDFCZZDX86KDN9S8AP3F",
        (byte) DecisionStatus.PENDING_AUTHORITY.ordinal()), false);
  }

  @Test
  @Timeout(30)
  void whileAScanRuns_theProposersRecentDecisionsStillCount() throws Exception {
    CountDownLatch inScan = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger scans = new AtomicInteger();
    Supplier<Collection<PendingDecision>> index = () -> scans.incrementAndGet() == 1 ? List.of() : new AbstractCollection<>() {
      @Override
      public Iterator<PendingDecision> iterator() {
        inScan.countDown();
        try {
          release.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return List.<PendingDecision>of().iterator(); // by now the proposer's decisions were decided
      }

      @Override
      public int size() {
        return 0;
      }
    };
    AtomicLong now = new AtomicLong();
    SubmissionQuota quota = new SubmissionQuota(ServerConfig.defaults().withSubmissionQuota(1_000, 2), Clock.systemUTC(),
        index, key -> false, now::get);
    quota.admit("p", IdempotencyKey.of("k-1")); // the first scan: nothing pending
    quota.recorded("p", pending());
    quota.recorded("p", pending());
    now.addAndGet(Duration.ofSeconds(2).toNanos());

    AtomicReference<Throwable> admitted = new AtomicReference<>();
    Thread atLimit = Thread.ofPlatform().start(() -> { // p is at its limit: this admit scans again
      try {
        quota.admit("p", IdempotencyKey.of("k-2"));
      } catch (Throwable t) {
        admitted.set(t);
      }
    });
    assertThat(inScan.await(20, TimeUnit.SECONDS)).isTrue();

    assertThat(quota.estimate("p")).as("during the scan").isEqualTo(2);

    release.countDown();
    atLimit.join();
    assertThat(admitted.get()).as("the scan found none pending").isNull();
    assertThat(quota.estimate("p")).isZero();
  }
}
