package dev.arbiter.gateway.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.gateway.burn.BurnStore;
import dev.arbiter.gateway.burn.PendingReports;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sender of reports the ledger did not take at once, over a real pending-reports table, with an
 * engine stand-in that fails as told. Review: one report the engine kept failing blocked every report
 * behind it; an unexpected exception ended the sender for good; a stop dropped reports handed over.
 */
class ReportSenderTest {
  @TempDir Path dir;

  /** Takes outcomes, except those of execution "poison" (always passing failures) and one that throws once. */
  static final class Engine implements ExecutionRecorder {
    final List<String> taken = new CopyOnWriteArrayList<>();
    final AtomicInteger poisonTries = new AtomicInteger();
    final AtomicInteger throwOnce = new AtomicInteger(1);
    volatile boolean down;
    final AtomicInteger triesWhileDown = new AtomicInteger();

    @Override
    public Started started(String grantCompact, String attempt) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void finished(String grantCompact, String executionId, boolean confirmed, int upstreamStatus, long durationMs,
        String responseHash, String failure) throws RecorderException {
      if (down) {
        triesWhileDown.incrementAndGet();
        throw new EngineUnreachableException("engine unreachable (test)");
      }
      if (executionId.startsWith("poison")) {
        poisonTries.incrementAndGet();
        throw new RecorderException("HTTP 500 (this decision cannot be loaded)");
      }
      if (executionId.equals("bug") && throwOnce.getAndDecrement() > 0) {
        throw new IllegalStateException("a fault of the client");
      }
      taken.add(executionId);
    }

    @Override
    public void abandoned(String grantCompact, String attempt) {
      taken.add("abandoned:" + attempt);
    }
  }

  @Test
  void aReportTheEngineKeepsFailing_doesNotHoldUpTheOthers_andAnUnexpectedFaultDoesNotStopTheSender() throws Exception {
    Engine engine = new Engine();
    withSender(engine, (sender, pending) -> {
      sender.outcome("g.g.g", "gnt_p", "poison", true, 200, 1, "sha256:00", null);
      sender.outcome("g.g.g", "gnt_b", "bug", true, 200, 1, "sha256:00", null);
      sender.outcome("g.g.g", "gnt_1", "exe_1", true, 200, 1, "sha256:00", null);
      sender.giveUp("g.g.g", "gnt_2", "att-2");
      await(() -> engine.taken.size() == 3);
      assertThat(engine.taken).containsExactlyInAnyOrder("bug", "exe_1", "abandoned:att-2");
      assertThat(engine.poisonTries.get()).isPositive();
      await(() -> rows(pending) == 1);
      assertThat(pending.all()).singleElement().satisfies(r -> assertThat(r.report()).contains("poison"));
    });
  }

  /** Review: a dozen reports the engine kept failing for their decision alone delayed a new one by four minutes. */
  @Test
  void manyReportsFailingForTheirDecisionAlone_doNotDelayANewOne() throws Exception {
    Engine engine = new Engine();
    withSender(engine, (sender, pending) -> {
      for (int i = 0; i < 12; i++) {
        sender.outcome("g.g.g", "gnt_p" + i, "poison-" + i, true, 200, 1, "sha256:00", null);
      }
      await(() -> engine.poisonTries.get() >= 36); // each tried, and retried, a few times
      sender.outcome("g.g.g", "gnt_new", "exe_new", true, 200, 1, "sha256:00", null);
      await(() -> engine.taken.contains("exe_new"));
      assertThat(rows(pending)).isEqualTo(12);
    });
  }

  /** An engine down for a while: tried again after a pause that grows, and delivered once it is back. */
  @Test
  void anEngineThatIsDown_isTriedAfterAGrowingPause_andGetsTheReportOnceItIsBack() throws Exception {
    Engine engine = new Engine();
    engine.down = true;
    withSender(engine, (sender, pending) -> {
      sender.outcome("g.g.g", "gnt_1", "exe_1", true, 200, 1, "sha256:00", null);
      sender.outcome("g.g.g", "gnt_2", "exe_2", true, 200, 1, "sha256:00", null);
      await(() -> engine.triesWhileDown.get() >= 4); // retried: 250 ms, 500 ms, 1 s … between tries
      engine.down = false;
      await(() -> engine.taken.containsAll(List.of("exe_1", "exe_2")));
      await(() -> rows(pending) == 0);
    });
  }

  @Test
  void reportsHandedOverAfterTheStop_areStoredForTheNextStart_andSentThen() throws Exception {
    Path file = dir.resolve("burned.db");
    Engine engine = new Engine();
    try (BurnStore burns = BurnStore.open(file, Clock.systemUTC())) {
      try (PendingReports pending = PendingReports.open(file, Clock.systemUTC())) {
        ReportSender sender = ReportSender.start(engine, pending);
        sender.close();
        sender.outcome("g.g.g", "gnt_1", "exe_late", true, 200, 1, "sha256:00", null); // a call the stop cut short
        assertThat(rows(pending)).isEqualTo(1);
        assertThat(engine.taken).isEmpty();
      }
      try (PendingReports pending = PendingReports.open(file, Clock.systemUTC())) {
        ReportSender next = ReportSender.start(engine, pending);
        try {
          await(() -> engine.taken.contains("exe_late"));
          await(() -> rows(pending) == 0);
        } finally {
          next.close();
        }
      }
    }
  }

  /** What a test does with a running sender over a fresh burn store's pending reports. */
  @FunctionalInterface
  interface WithSender {
    void run(ReportSender sender, PendingReports pending) throws Exception;
  }

  /** Runs {@code body} with a sender started over a fresh burn store's file, stopping it after. */
  private void withSender(Engine engine, WithSender body) throws Exception {
    Path file = dir.resolve("burned.db");
    try (BurnStore burns = BurnStore.open(file, Clock.systemUTC());
        PendingReports pending = PendingReports.open(file, Clock.systemUTC())) {
      ReportSender sender = ReportSender.start(engine, pending);
      try {
        body.run(sender, pending);
      } finally {
        sender.close();
      }
    }
  }

  private static int rows(PendingReports pending) {
    try {
      return pending.ids().size();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not reached within 20 s");
      }
      Thread.sleep(20);
    }
  }
}
