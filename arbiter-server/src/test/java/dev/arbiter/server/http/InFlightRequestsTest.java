package dev.arbiter.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.server.engine.EngineException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Copies of a request sent while the first is being handled wait for it and get its answer, a
 * refusal included; they never run beside it or after it. Driven deterministically: the first is held
 * inside its work until every copy is seen waiting.
 */
class InFlightRequestsTest {
  private final InFlightRequests inFlight = new InFlightRequests(Duration.ofSeconds(30));

  @Test
  void copiesWaitingOnARefusedFirst_getItsRefusal_andDoNotRun() throws Exception {
    EngineException refusal = new EngineException.Forbidden("grant-invalid", "the first one's refusal");
    CountDownLatch inWork = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger runs = new AtomicInteger();
    Thread first = Thread.ofPlatform().start(() -> {
      try {
        inFlight.run("alice /v1/x k", "h1", () -> false, () -> {
          runs.incrementAndGet();
          inWork.countDown();
          await(release);
          throw refusal;
        });
      } catch (EngineException expected) {
        // the first one's own answer
      }
    });
    assertThat(inWork.await(10, TimeUnit.SECONDS)).isTrue();

    List<Thread> copies = new ArrayList<>();
    List<AtomicReference<Throwable>> answers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      AtomicReference<Throwable> answer = new AtomicReference<>();
      answers.add(answer);
      copies.add(Thread.ofPlatform().start(() -> {
        try {
          inFlight.run("alice /v1/x k", "h1", () -> false, runs::incrementAndGet);
        } catch (EngineException e) {
          answer.set(e);
        }
      }));
    }
    for (Thread c : copies) { // each copy is parked on the first one before it is released
      while (c.getState() != Thread.State.TIMED_WAITING) {
        assertThat(c.isAlive()).isTrue();
        Thread.sleep(5);
      }
    }
    release.countDown();
    first.join(10_000);
    for (Thread c : copies) {
      c.join(10_000);
    }
    assertThat(runs.get()).as("only the first one ran").isEqualTo(1);
    assertThat(answers).allSatisfy(a -> assertThat(a.get()).isSameAs(refusal));

    // Sent again afterwards, the request runs (only answers are remembered, not refusals).
    inFlight.run("alice /v1/x k", "h1", () -> false, runs::incrementAndGet);
    assertThat(runs.get()).isEqualTo(2);
  }

  /** Review: another body under the same key waited and then got the first one's refusal about fields it never sent. */
  @Test
  void anotherBodyUnderTheSameKeyWhileTheFirstRuns_isAConflict_andDoesNotRun() throws Exception {
    CountDownLatch inWork = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread first = Thread.ofPlatform().start(() -> {
      try {
        inFlight.run("s", "h1", () -> false, () -> {
          inWork.countDown();
          await(release);
        });
      } catch (EngineException e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(inWork.await(10, TimeUnit.SECONDS)).isTrue();
    AtomicInteger runs = new AtomicInteger();
    assertThatThrownBy(() -> inFlight.run("s", "h2", () -> false, runs::incrementAndGet))
        .isInstanceOf(EngineException.Conflict.class).hasMessageContaining("different request");
    assertThat(runs.get()).isZero();
    release.countDown();
    first.join(10_000);
  }

  @Test
  void aCopyWaitingLongerThanTheWait_isToldTheRequestIsInProgress() throws Exception {
    InFlightRequests impatient = new InFlightRequests(Duration.ofMillis(100));
    CountDownLatch inWork = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread first = Thread.ofPlatform().start(() -> {
      try {
        impatient.run("s", "h1", () -> false, () -> {
          inWork.countDown();
          await(release);
        });
      } catch (EngineException e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(inWork.await(10, TimeUnit.SECONDS)).isTrue();
    assertThatThrownBy(() -> impatient.run("s", "h1", () -> false, () -> {})).isInstanceOf(EngineException.Conflict.class)
        .hasMessageContaining("still being handled");
    release.countDown();
    first.join(10_000);
  }

  @Test
  void aCopyAfterASuccessfulFirst_isAnsweredByTheReplay() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    AtomicReference<Boolean> remembered = new AtomicReference<>(false);
    inFlight.run("s", "h1", remembered::get, () -> {
      runs.incrementAndGet();
      remembered.set(true);
    });
    inFlight.run("s", "h1", remembered::get, runs::incrementAndGet);
    assertThat(runs.get()).isEqualTo(1);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
