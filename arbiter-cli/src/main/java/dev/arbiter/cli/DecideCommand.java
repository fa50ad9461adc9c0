package dev.arbiter.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.arbiter.core.authority.AuthorityRequirement;
import dev.arbiter.core.decision.DecisionRequest;
import dev.arbiter.core.decision.DecisionRequests;
import dev.arbiter.core.decision.Evaluation;
import dev.arbiter.core.decision.EvaluationJson;
import dev.arbiter.core.decision.InvalidRequestException;
import dev.arbiter.core.policy.GateResult;
import dev.arbiter.core.policy.PolicyBundle;
import dev.arbiter.core.risk.FactorContribution;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code arbiter decide}: a dry run of one decision against a bundle directory, with no ledger.
 * Prints the outcome and the full why; with {@code --json}, one JSON object on the last line.
 */
@Command(
    name = "decide",
    mixinStandardHelpOptions = true,
    description = {
      "Evaluate one decision request against a policy bundle (dry run, nothing is recorded).",
      "Exit 0 when evaluated (whatever the outcome), 1 bundle errors, 2 bad request or arguments."
    })
public final class DecideCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The largest request file read (the engine takes bodies of at most 64 KiB). */
  static final int MAX_REQUEST_BYTES = 1024 * 1024;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--bundle", required = true, paramLabel = "DIR", description = "policy bundle directory")
  Path bundleDir;

  @Option(names = "--request", required = true, paramLabel = "FILE", description = "decision request JSON")
  Path requestFile;

  @Option(names = "--json", description = "print one JSON object (single line) instead of text")
  boolean json;

  @Override
  public Integer call() throws IOException {
    byte[] body;
    try {
      body = dev.arbiter.core.io.BoundedFiles.read(requestFile, MAX_REQUEST_BYTES);
    } catch (IOException e) {
      throw CliFailure.badInput("cannot read request `" + requestFile + "`: " + FileErrors.reason(e));
    }
    DecisionRequest request;
    try {
      request = DecisionRequests.parse(body);
    } catch (InvalidRequestException e) {
      throw CliFailure.badInput(requestFile + ": " + e.getMessage());
    }
    try {
      // As the engine does before it evaluates (black-box run: decide allowed what the engine refuses).
      dev.arbiter.core.canonical.CanonicalJson.encode(dev.arbiter.core.decision.DecisionRequestJson.toJson(request));
    } catch (dev.arbiter.core.canonical.CanonicalJsonException e) {
      throw CliFailure.badInput(requestFile + ": " + e.path() + ": a value with no RFC 8785 form (integers within"
          + " ±2^53, finite numbers, Unicode text); the engine refuses it (400 not_canonical)");
    }
    PolicyBundle bundle = PolicyCommand.load(bundleDir, spec.commandLine().getErr());
    Evaluation e = bundle.evaluate(request);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(JSON.writeValueAsString(EvaluationJson.toJson(e)));
    } else {
      printText(out, e);
    }
    out.flush();
    return ExitCodes.OK;
  }

  private static void printText(PrintWriter out, Evaluation e) {
    out.println("outcome: " + e.outcome().wireName());
    e.reasons().forEach(r -> out.println("  - " + r));
    out.println("policy: " + e.policy().version() + " " + e.policy().hash());
    out.println(String.format(Locale.ROOT, "risk: %.4f (%s)", e.risk().score(), e.risk().band().wireName()));
    for (FactorContribution f : e.risk().factors()) {
      if (f.matched()) {
        out.println(String.format(Locale.ROOT, "  + %-28s %+.4f  (weight %.2f) %s%s", f.id(), f.contribution(),
            f.weight(), f.reason(), f.error().map(x -> " [error: " + x + "]").orElse("")));
      }
    }
    out.println("gates:");
    for (GateResult g : e.gates()) {
      out.println(String.format(Locale.ROOT, "  %-11s %-16s %s%s", g.status().wireName(), g.effect().wireName(), g.id(),
          g.status() == GateResult.Status.MATCHED ? ": " + g.reason() : g.error().map(x -> ": " + x).orElse("")));
    }
    out.println("authority: " + e.authority().map(DecideCommand::describe).orElse("none (denied)"));
  }

  private static String describe(AuthorityRequirement a) {
    if (!a.requiresApproval()) {
      return "no approval required (route `" + a.route() + "`)";
    }
    StringBuilder sb = new StringBuilder();
    sb.append(a.minSignatures()).append(a.distinct() ? " distinct" : "").append(" approval(s)");
    a.minLevel().ifPresent(l -> sb.append(" from ").append(l.name()).append('+'));
    if (!a.roles().isEmpty()) {
      sb.append(a.minLevel().isPresent() ? " or" : " from").append(" roles ").append(String.join(", ", a.roles().stream().sorted().toList()));
    }
    a.coSign().forEach(c -> sb.append(", co-signed by ").append(c.count()).append(' ').append(c.level().name()).append('+'));
    sb.append("; approvals valid ").append(a.approvalTtl()).append(", decision expires after ").append(a.decisionTtl());
    sb.append(" (route `").append(a.route()).append("`)");
    return sb.toString();
  }
}
