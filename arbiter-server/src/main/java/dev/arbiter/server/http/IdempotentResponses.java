package dev.arbiter.server.http;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Answers of the authenticated POST routes other than {@code /v1/decisions} (challenge, approvals,
 * rejections, keys, executions), remembered per (caller, route, Idempotency-Key hash): a retry with
 * the same body gets the same answer instead of acting twice; the same key with another body is a
 * conflict. Bounded (least recently used evicted); memory only.
 */
final class IdempotentResponses {
  static final int CAPACITY = 20_000;
  /** And at most this many bytes of remembered bodies, whatever their number. */
  static final long MAX_BYTES = 32L * 1024 * 1024;

  private long bytes;

  /** A remembered answer. */
  record Answer(String bodyHash, int status, String contentType, byte[] body) {}

  private final Map<String, Answer> answers = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Answer> eldest) {
      return false; // eviction is done in remember(), by count and by bytes
    }
  };

  synchronized Optional<Answer> find(String key) {
    return Optional.ofNullable(answers.get(key));
  }

  synchronized void remember(String key, Answer a) {
    Answer old = answers.put(key, a);
    bytes += a.body().length - (old == null ? 0 : old.body().length);
    var it = answers.entrySet().iterator();
    while ((answers.size() > CAPACITY || bytes > MAX_BYTES) && it.hasNext()) {
      bytes -= it.next().getValue().body().length;
      it.remove();
    }
  }
}
