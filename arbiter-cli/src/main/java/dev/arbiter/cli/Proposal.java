package dev.arbiter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The agent's side of a decision, from proposal to grant: submits the request, reports the outcome,
 * waits for the approvals (polling the decision, reporting each new one) and fetches the grant once
 * the decision is authorized. A denied, cancelled, expired or already executed decision ends it with
 * exit 1; an engine that cannot be reached while it waits is retried until the wait ends (a restart
 * of the engine does not lose a pending decision), then exit 3.
 */
final class Proposal {
  private final EngineClient engine;
  private final PrintWriter err;
  private final Duration poll;
  private final Set<String> reported = new HashSet<>();

  Proposal(EngineClient engine, PrintWriter err, Duration poll) {
    this.engine = engine;
    this.err = err;
    this.poll = poll;
  }

  /** Proposes {@code request}; returns the compact grant once the decision allows the action. */
  String submit(JsonNode request, AgentCommand.Action action, Duration wait) {
    say("proposing " + action.describe() + ": " + Text.at(request, "(no intent given)", "action", "intent"));
    JsonNode d = engine.expect(engine.post("/v1/decisions", request), "proposal", 200, 201);
    DecisionView v = new DecisionView(d);
    String id = v.id();
    if (!AgentCommand.DECISION_ID.matcher(id).matches()) {
      throw CliFailure.verification("the engine answered the proposal without a decision id; refusing to go on");
    }
    String outcome = Text.at(d, "", "outcome");
    switch (outcome) {
      case "allow" -> {
        say("decision " + id + ": allowed at once (" + reasons(d) + ")");
        return d.hasNonNull("grant") ? compactGrant(d, id) : grant(id);
      }
      case "deny" -> throw CliFailure.verification("decision " + id + " denied: " + reasons(d));
      case "queue" -> throw CliFailure.unavailable("decision " + id + " queued: the engine's ledger cannot confirm writes"
          + " now, so nothing is allowed (" + reasons(d) + "); propose again later", null);
      case "pending_authority" -> {
        say("decision " + id + ": pending_authority, needs " + v.authority() + " (" + reasons(d) + ")");
        return resume(id, wait);
      }
      default -> throw CliFailure.verification("decision " + id + ": the engine answered an unknown outcome `"
          + Text.safe(outcome) + "`; refusing to go on");
    }
  }

  /** Waits for decision {@code id} to be authorized (at most {@code wait}); returns its grant. */
  String resume(String id, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    boolean unreachable = false;
    boolean announced = false; // said once the decision is seen pending (a resumed one may be done already)
    while (true) {
      JsonNode d;
      try {
        d = engine.expect(engine.get("/v1/decisions/" + id), "decision lookup", 200);
        if (unreachable) {
          say("the engine answers again");
          unreachable = false;
        }
      } catch (CliFailure e) {
        if (e.exitCode() != ExitCodes.UNAVAILABLE) {
          throw e;
        }
        if (!unreachable) {
          say(e.getMessage() + "; still waiting");
          unreachable = true;
        }
        d = null;
      }
      if (d != null) {
        reportApprovals(d);
        String status = Text.at(d, "", "status");
        switch (status) {
          case "authorized" -> {
            say("decision " + id + ": authorized; fetching the one-time grant");
            return grant(id);
          }
          case "pending_authority" -> {
            if (!announced) {
              say("waiting up to " + human(wait) + " for approvals (Ctrl-C leaves it pending; resume with --decision " + id + ")");
              announced = true;
            }
          }
          case "executed" -> throw CliFailure.verification("decision " + id + " was already executed; its grant is used up");
          default -> {
            String why = reasons(d);
            throw CliFailure.verification("decision " + id + " is " + Text.safe(status.isEmpty() ? "(no status)" : status)
                + (why.isEmpty() ? "" : ": " + why) + "; nothing to execute");
          }
        }
      }
      if (System.nanoTime() - deadline >= 0) {
        throw CliFailure.unavailable("decision " + id + " is still pending after " + human(wait)
            + "; it stays pending until it expires: resume with --decision " + id, null);
      }
      sleep();
    }
  }

  private String grant(String id) {
    JsonNode g = engine.expect(engine.get("/v1/decisions/" + id + "/grant"), "grant", 200);
    String grant = compactGrant(g, id);
    say("grant " + Text.at(g, "?", "grant_id") + " (one use, expires " + Text.at(g, "?", "expires_at") + ")");
    return grant;
  }

  private static String compactGrant(JsonNode answer, String id) {
    return GrantFile.requireCompact(answer.path("grant").asText(""), "the engine's answer for " + id);
  }

  /** Names the approvers not named before, with the count so far. */
  private void reportApprovals(JsonNode d) {
    List<String> fresh = new ArrayList<>();
    for (JsonNode a : d.path("approvals").path("accepted")) {
      String who = Text.at(a, "?", "actor");
      if (reported.add(who)) {
        fresh.add(who + " (" + Text.at(a, "?", "level") + ")");
      }
    }
    if (!fresh.isEmpty()) {
      say("approved by " + String.join(", ", fresh) + ": " + new DecisionView(d).approvals());
    }
  }

  private static String human(Duration d) {
    return d.toString().substring(2).toLowerCase(Locale.ROOT);
  }

  private static String reasons(JsonNode d) {
    List<String> r = new ArrayList<>();
    d.path("reasons").forEach(x -> r.add(Text.safe(x.asText())));
    return String.join("; ", r);
  }

  private void sleep() {
    try {
      Thread.sleep(poll);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliFailure.unavailable("interrupted while waiting for approvals", e);
    }
  }

  private void say(String line) {
    err.println("agent: " + line);
    err.flush();
  }
}
