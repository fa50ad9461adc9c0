package dev.arbiter.server.http;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;

/**
 * Answers of the authenticated POST routes other than {@code /v1/decisions} (challenge, approvals,
 * rejections, keys, executions), remembered per (caller, route, Idempotency-Key hash): a retry with
 * the same body gets the same answer instead of acting twice; the same key with another body is a
 * conflict. Memory only.
 *
 * <p>Bounded twice: each subject keeps at most {@value #SUBJECT_CAPACITY} answers and {@value
 * #SUBJECT_MAX_BYTES} bytes (its oldest remembered evicted first), and all together at most {@value
 * #CAPACITY} answers and {@value #MAX_BYTES} bytes (least recently used evicted). With the global
 * bound alone, one caller sending fresh keys evicted everyone's answers within seconds, so that an
 * approver's retry after a lost answer was no longer recognised.
 */
final class IdempotentResponses {
  static final int CAPACITY = 20_000;
  /** And at most this many bytes of remembered bodies, whatever their number. */
  static final long MAX_BYTES = 32L * 1024 * 1024;
  /** Per subject: at most this many answers. */
  static final int SUBJECT_CAPACITY = 1_000;
  /** Per subject: at most this many bytes (a challenge's answer carries the decision, up to ~70 KB). */
  static final long SUBJECT_MAX_BYTES = 2L * 1024 * 1024;

  /** A remembered answer. */
  record Answer(String bodyHash, int status, String contentType, byte[] body) {}

  private record Entry(String subject, Answer answer) {}

  /** One subject's remembered keys, oldest first, and their bytes. */
  private static final class Remembered {
    final LinkedHashSet<String> keys = new LinkedHashSet<>();
    long bytes;
  }

  private long bytes;

  private final Map<String, Entry> answers = new LinkedHashMap<>(1024, 0.75f, true);
  private final Map<String, Remembered> bySubject = new HashMap<>();

  synchronized Optional<Answer> find(String key) {
    Entry e = answers.get(key);
    return e == null ? Optional.empty() : Optional.of(e.answer());
  }

  /** Remembers {@code a} under {@code key} for {@code subject}, whose key it is. */
  synchronized void remember(String subject, String key, Answer a) {
    Entry old = answers.remove(key);
    if (old != null) {
      unlink(key, old);
    }
    answers.put(key, new Entry(subject, a));
    bytes += a.body().length;
    Remembered mine = bySubject.computeIfAbsent(subject, s -> new Remembered());
    mine.keys.add(key);
    mine.bytes += a.body().length;
    while (mine.keys.size() > 1 && (mine.keys.size() > SUBJECT_CAPACITY || mine.bytes > SUBJECT_MAX_BYTES)) {
      String oldest = mine.keys.iterator().next();
      unlink(oldest, answers.remove(oldest));
    }
    Iterator<Map.Entry<String, Entry>> it = answers.entrySet().iterator();
    while ((answers.size() > CAPACITY || bytes > MAX_BYTES) && it.hasNext()) {
      Map.Entry<String, Entry> eldest = it.next();
      it.remove();
      unlink(eldest.getKey(), eldest.getValue());
    }
  }

  /** Accounts for an entry just removed from {@link #answers}. */
  private void unlink(String key, Entry e) {
    long size = e.answer().body().length;
    bytes -= size;
    Remembered r = bySubject.get(e.subject());
    if (r != null && r.keys.remove(key)) {
      r.bytes -= size;
      if (r.keys.isEmpty()) {
        bySubject.remove(e.subject());
      }
    }
  }

  synchronized int size() {
    return answers.size();
  }
}
