package dev.arbiter.cli.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.LedgerOptions;
import dev.arbiter.ledger.LedgerUnavailableException;
import dev.arbiter.ledger.event.Actor;
import dev.arbiter.ledger.event.EventDraft;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench's closed loop against a real ledger: W appends in flight, and every failure ends the run, reported. */
class ClosedLoopTest {
  @TempDir Path dir;
  private Ledger ledger;
  private final AtomicLong done = new AtomicLong();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();

  @BeforeEach
  void open() throws Exception {
    ledger = Ledger.open(SqliteLedgerStore.open(dir.resolve("l.db"), SqliteLedgerStore.Mode.CREATE_IF_MISSING),
        SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom()), Clock.systemUTC(), LedgerOptions.defaults());
  }

  @AfterEach
  void close() {
    ledger.close();
  }

  @Test
  void keepsExactlyWritersAppendsInFlight_untilTheLastEvents() throws Exception {
    int writers = 16;
    int n = 3000;
    AtomicInteger most = new AtomicInteger();
    AtomicInteger tooMany = new AtomicInteger();
    long[] lat = new long[n];
    ClosedLoop.run(ledger, writers, n, i -> {
      long inFlight = i + 1 - done.get(); // this one included; receipts are counted before the next draft
      most.accumulateAndGet((int) inFlight, Math::max);
      if (inFlight > writers) {
        tooMany.incrementAndGet();
      }
      return draft(i);
    }, lat, done, failure);
    assertThat(failure.get()).isNull();
    assertThat(done.get()).isEqualTo(n);
    assertThat(most.get()).isEqualTo(writers);
    assertThat(tooMany.get()).isZero();
    assertThat(java.util.Arrays.stream(lat).min().orElseThrow()).isPositive();
  }

  @Test
  void aLedgerClosedMidRun_endsTheRun_withTheLedgersError() throws Exception {
    CompletableFuture<Void> run = CompletableFuture.runAsync(() -> {
      try {
        ClosedLoop.run(ledger, 64, 5_000_000, ClosedLoopTest::draft, new long[5_000_000], done, failure);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20); done.get() < 500 && System.nanoTime() < deadline; ) {
      Thread.sleep(10);
    }
    ledger.close();
    run.get(30, TimeUnit.SECONDS);
    assertThat(failure.get()).isInstanceOf(LedgerUnavailableException.class);
    assertThat(done.get()).isBetween(500L, 4_999_999L);
  }

  @Test
  void anErrorWhileDrafting_endsTheRun_withThatError() throws Exception {
    AssertionError boom = new AssertionError("draft 100 failed (test)");
    LongFunction<EventDraft> drafts = i -> {
      if (i == 100) {
        throw boom;
      }
      return draft(i);
    };
    CompletableFuture<Void> run = CompletableFuture.runAsync(() -> {
      try {
        ClosedLoop.run(ledger, 8, 1000, drafts, new long[1000], done, failure);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    run.get(30, TimeUnit.SECONDS);
    assertThat(failure.get()).isSameAs(boom);
  }

  private static EventDraft draft(long i) {
    return new EventDraft("dec_test" + String.format("%012d", i / 8), "bench.appended", null, new Actor("bench", "system"),
        JsonNodeFactory.instance.objectNode().put("n", i));
  }
}
