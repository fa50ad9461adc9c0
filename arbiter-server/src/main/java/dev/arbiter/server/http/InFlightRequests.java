package dev.arbiter.server.http;

import dev.arbiter.server.engine.EngineException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One request at a time per idempotency slot (caller, route, key). A request sent again while the
 * first with its key is being handled waits for it and then gets its answer: the remembered one, or
 * the refusal the first got. It never runs beside it. Black-box run: of 20 identical approvals sent
 * at once, 5 ran again, met the used challenge and were recorded as rejected approvals; a review found
 * the same when the first was refused.
 */
final class InFlightRequests {
  /** Answers from a remembered answer; true when it did. */
  @FunctionalInterface
  interface Replay {
    boolean answered() throws EngineException;
  }

  /** Handles the request (and remembers its answer). */
  @FunctionalInterface
  interface Work {
    void run() throws EngineException;
  }

  /** The request running in a slot: what its body hashes to, and its end (its refusal, or null). */
  private record Running(String bodyHash, CompletableFuture<EngineException> done) {}

  private final ConcurrentHashMap<String, Running> running = new ConcurrentHashMap<>();
  private final Duration wait;

  /** @param wait how long a request waits for the first one with its slot before it is told to retry */
  InFlightRequests(Duration wait) {
    this.wait = wait;
  }

  /**
   * Answers by {@code replay} if it can; otherwise runs {@code work} as the only request with {@code
   * slot}, or waits for the one running (when its body is the same, {@code bodyHash}) and answers as it
   * was answered.
   *
   * @throws EngineException the refusal of {@code work}, or of the first request this one waited
   *     for; 409 {@code idempotency-in-progress} when that one is still running after the wait, 409
   *     {@code idempotency-conflict} when the one running has another body
   */
  void run(String slot, String bodyHash, Replay replay, Work work) throws EngineException {
    while (true) {
      if (replay.answered()) {
        return;
      }
      Running mine = new Running(bodyHash, new CompletableFuture<>());
      Running first = running.putIfAbsent(slot, mine);
      if (first != null && !first.bodyHash().equals(bodyHash)) {
        // Another request under this key: not a copy, so not its answer either (review).
        throw new EngineException.Conflict("idempotency-conflict", "Idempotency-Key reused with a different request",
            "this Idempotency-Key is in use for a different request");
      }
      if (first == null) {
        EngineException refused = null;
        try {
          // The first request may have finished between the look-up above and this claim: its answer
          // is remembered before its claim is released, so a second look settles it.
          if (!replay.answered()) {
            work.run();
          }
          return;
        } catch (EngineException e) {
          refused = e;
          throw e;
        } finally {
          running.remove(slot, mine);
          mine.done().complete(refused);
        }
      }
      EngineException firstRefused;
      try {
        firstRefused = first.done().get(wait.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        throw inProgress();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw inProgress();
      }
      if (firstRefused != null) {
        throw firstRefused; // the same request, refused a moment ago: the same answer
      }
      // The first one finished: its answer is remembered (replayed at the top), or it failed
      // unexpectedly (not an engine refusal) and this one runs.
    }
  }

  private static EngineException inProgress() {
    return new EngineException.Conflict("idempotency-in-progress", "Request with this Idempotency-Key in progress",
        "a request with this Idempotency-Key is still being handled; retry later for its answer");
  }
}
