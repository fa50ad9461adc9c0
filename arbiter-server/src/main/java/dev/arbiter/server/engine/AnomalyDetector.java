package dev.arbiter.server.engine;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Signals about accepted approvals, recorded as {@code approval.anomaly} beside the approval (they do
 * not block it: a human reviews them):
 *
 * <ul>
 *   <li>{@code burst}: one approver's {@value #BURST_COUNT}th approval within {@link #BURST_WINDOW};
 *   <li>{@code fast_high_risk}: a high or critical decision approved within {@link #FAST} of its
 *       challenge (nobody reads a risky change that quickly);
 *   <li>{@code unusual_domain}: an approver with at least {@value #HISTORY} approvals, none in this
 *       decision's domain.
 * </ul>
 */
final class AnomalyDetector {
  static final int BURST_COUNT = 5;
  static final Duration BURST_WINDOW = Duration.ofSeconds(60);
  static final Duration FAST = Duration.ofSeconds(5);
  static final int HISTORY = 3;

  private record History(Deque<Instant> recent, Map<String, Integer> domains) {}

  private final Map<String, History> approvers = new ConcurrentHashMap<>();

  /** The signals for an approval about to be accepted (not yet remembered). */
  List<ObjectNode> signals(String approver, String domain, String band, Instant challengeIssuedAt, Instant now) {
    List<ObjectNode> out = new ArrayList<>();
    History h = approvers.get(approver);
    if (h != null) {
      synchronized (h) {
        long recent = h.recent().stream().filter(t -> t.isAfter(now.minus(BURST_WINDOW))).count();
        if (recent + 1 >= BURST_COUNT) {
          out.add(signal("burst", approver, (recent + 1) + " approvals within " + BURST_WINDOW.toSeconds() + " s"));
        }
        int total = h.domains().values().stream().mapToInt(Integer::intValue).sum();
        if (total >= HISTORY && !h.domains().containsKey(domain)) {
          out.add(signal("unusual_domain", approver, "first approval in `" + domain + "` after " + total
              + " approvals in " + h.domains().keySet()));
        }
      }
    }
    if ((band.equals("high") || band.equals("critical")) && Duration.between(challengeIssuedAt, now).compareTo(FAST) < 0) {
      out.add(signal("fast_high_risk", approver, band + "-risk decision approved "
          + Duration.between(challengeIssuedAt, now).toMillis() + " ms after its challenge"));
    }
    return out;
  }

  void remember(String approver, String domain, Instant now) {
    History h = approvers.computeIfAbsent(approver, k -> new History(new ArrayDeque<>(), new HashMap<>()));
    synchronized (h) {
      h.recent().addLast(now);
      while (h.recent().size() > BURST_COUNT * 4 || h.recent().peekFirst().isBefore(now.minus(BURST_WINDOW))) {
        h.recent().removeFirst();
      }
      h.domains().merge(domain, 1, Integer::sum);
    }
  }

  private static ObjectNode signal(String kind, String approver, String detail) {
    return JsonNodeFactory.instance.objectNode().put("signal", kind).put("approver", approver).put("detail", detail);
  }
}
