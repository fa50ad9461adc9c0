package dev.arbiter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code arbiter decisions}: read decisions from the engine. */
@Command(
    name = "decisions",
    mixinStandardHelpOptions = true,
    description = "Read decisions from the engine.",
    subcommands = {DecisionsCommand.ListPending.class, CommandLine.HelpCommand.class})
public final class DecisionsCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: try `arbiter decisions list --help`");
  }

  /** {@code arbiter decisions list --pending [--json] [--limit N]}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "List the decisions that wait for approval",
        "(GET /v1/decisions?status=pending_authority): a table of id, action class,",
        "tool, target, risk band, approvals (accepted of required) and expiry, or",
        "with --json one decision summary per line, as the engine sent it (no payload:",
        "`arbiter approve` shows the whole decision before signing).",
        "Token: --token-file FILE (preferred), --token T, or env ARBITER_TOKEN.",
      },
      footer = {"", "Exit codes: 0 ok, 1 refused (token), 2 bad arguments,", "3 the engine is unreachable or unavailable."})
  public static final class ListPending implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin EngineOptions engineOptions;

    @Option(names = "--pending", required = true,
        description = "Decisions waiting for authority (the only listing the engine offers).")
    boolean pending;

    @Option(names = "--json", description = "One JSON object per line instead of a table.")
    boolean json;

    @Option(names = "--limit", defaultValue = "100", paramLabel = "N", description = "At most N decisions (1 to 1000, default 100; the engine lists at most 100).")
    int limit;

    @Override
    public Integer call() throws Exception {
      if (limit < 1 || limit > 1000) {
        throw CliFailure.badInput("--limit must be 1 to 1000, got " + limit);
      }
      EngineClient engine = engineOptions.client(System.getenv());
      JsonNode body = engine.expect(engine.get("/v1/decisions?status=pending_authority&limit=" + limit), "listing", 200);
      JsonNode decisions = body.get("decisions");
      if (decisions == null || !decisions.isArray()) {
        throw CliFailure.verification("the engine's listing has no `decisions` array");
      }
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        for (JsonNode d : decisions) {
          out.println(JSON.writeValueAsString(d));
        }
      } else {
        String format = "%-30s %-16s %-16s %-28s %-8s %-10s %s";
        out.println(String.format(Locale.ROOT, format, "ID", "CLASS", "TOOL", "TARGET", "BAND", "APPROVALS", "EXPIRES"));
        for (JsonNode d : decisions) {
          DecisionView v = new DecisionView(d);
          out.println(String.format(Locale.ROOT, format, v.id(), brief(v.actionClass()), brief(v.tool()), brief(v.target()),
              brief(v.band()), v.approvals(), v.expires()));
        }
        if (decisions.isEmpty()) {
          out.println("(no decisions wait for approval)");
        }
      }
      out.flush();
      return ExitCodes.OK;
    }

    private static String brief(String s) {
      return s.equals(DecisionView.ABSENT) ? "-" : s;
    }
  }
}
