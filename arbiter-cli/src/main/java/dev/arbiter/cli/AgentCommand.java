package dev.arbiter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code arbiter agent}: the sample agent. It does what any governed automation does, in the open:
 * proposes one action ({@code POST /v1/decisions}), waits while approvers sign (polling {@code GET
 * /v1/decisions/{id}}), fetches its one-time grant and executes the action through the gateway
 * ({@link GatewayCall}). It holds no key and decides nothing: without the engine's grant the gateway
 * lets nothing through.
 */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "The sample agent: propose one action, wait for its approvals, execute it through the gateway.",
      "  1. submits the decision request (POST {engine}/v1/decisions) with the agent's token;",
      "  2. while the decision is pending_authority, polls it and reports each approval;",
      "  3. once allowed or authorized, fetches the one-time grant and calls",
      "     POST {gateway}/tools/{action.tool} with it and the action's payload; prints the tool's answer.",
      "With --quickstart FILE, the engine, the gateway, the agent's token and the examples come from",
      "the quickstart's quickstart.json, e.g.",
      "  arbiter agent --quickstart quickstart/quickstart.json --example two_approvals",
      "Ctrl-C while waiting leaves the decision pending; --decision ID (with the same request) resumes it.",
    },
    footer = {"", "Exit codes: 0 executed (the tool answered 2xx), 1 denied, cancelled, expired or refused",
        "(by the engine, the gateway or the tool), 2 bad arguments or request,",
        "3 the engine or the gateway is unavailable, or the approvals did not come within --wait."})
public final class AgentCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Pattern DECISION_ID = Pattern.compile("dec_[0-9A-Za-z]{1,64}");
  static final Duration POLL = Duration.ofSeconds(1);
  static final Duration MAX_WAIT = Duration.ofDays(7);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--quickstart", paramLabel = "FILE",
      description = "A quickstart.json: engine, gateway, the agent's token and the examples (flags below override it).")
  Path quickstart;

  @Option(names = "--example", paramLabel = "NAME",
      description = "With --quickstart: the example request to propose (auto_allow, two_approvals).")
  String example;

  @Option(names = "--request", paramLabel = "FILE",
      description = "The decision request to propose, as POST /v1/decisions takes it (action {class, tool, intent, target, payload}, context).")
  Path request;

  @Option(names = "--engine", paramLabel = "URL", description = "Engine base URL (plain http only to loopback).")
  String engine;

  @Option(names = "--gateway", paramLabel = "URL", description = "Gateway base URL (plain http only to loopback).")
  String gateway;

  @Option(names = "--token-file", paramLabel = "FILE", description = "The agent's OIDC access token (preferred: not visible in `ps`).")
  Path tokenFile;

  @Option(names = "--token", paramLabel = "TOKEN", description = "The agent's token itself (prefer --token-file or "
      + EngineOptions.TOKEN_ENV + ").")
  String token;

  @Option(names = "--decision", paramLabel = "ID",
      description = "Resume a decision proposed before (nothing is submitted); the request gives the payload.")
  String decision;

  @Option(names = "--save-grant", paramLabel = "FILE",
      description = "Also write the grant to FILE (mode 0600) before using it, e.g. to try a replay with --grant-file.")
  Path saveGrant;

  @Option(names = "--grant-file", paramLabel = "FILE",
      description = "Execute with the grant in FILE instead of proposing (the request gives tool, target and payload).")
  Path grantFile;

  @Option(names = "--wait", defaultValue = "30m", paramLabel = "DURATION",
      description = "How long to wait for approvals, e.g. 90s, 30m, 4h (default ${DEFAULT-VALUE}).")
  String waitFor;

  @Override
  public Integer call() {
    // Everything that can be wrong with the arguments fails here, before anything is proposed.
    Duration wait = duration(waitFor);
    QuickstartFile qs = quickstart == null ? null : QuickstartFile.read(quickstart);
    JsonNode req = request(qs);
    Action action = Action.of(req);
    URI gatewayUri = EngineOptions.loopbackOrHttps("--gateway", pick("--gateway", gateway, qs == null ? null : qs.gatewayUrl()),
        "a grant");
    if (decision != null && !DECISION_ID.matcher(decision).matches()) {
      throw CliFailure.badInput("--decision `" + Text.safe(decision) + "` is not a decision id (dec_…)");
    }
    if (grantFile != null && decision != null) {
      throw CliFailure.badInput("give either --grant-file (execute a grant you hold) or --decision (resume), not both");
    }
    if (saveGrant != null) {
      GrantFile.requireWritableDirectory(saveGrant);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (action.hasTarget() && action.targetHeader().isEmpty()) {
      err.println("agent: the target has characters a header cannot carry; Arbiter-Target is not sent"
          + " (the gateway still binds the call to the grant's target)");
    }

    String grant = grantFile != null ? GrantFile.read(grantFile) : propose(qs, req, action, wait, err);
    if (saveGrant != null) {
      GrantFile.write(saveGrant, grant);
      err.println("agent: wrote the grant to " + saveGrant);
    }
    GatewayCall.Answer answer = new GatewayCall(gatewayUri).execute(action, grant);
    err.println("agent: the tool answered HTTP " + answer.status() + " (execution " + Text.safe(answer.executionId()) + ")");
    err.flush();
    out.println(answer.body());
    out.flush();
    return answer.exitCode();
  }

  /** Proposes the request (or resumes {@code --decision}) and returns the grant once it is allowed. */
  private String propose(QuickstartFile qs, JsonNode req, Action action, Duration wait, PrintWriter err) {
    URI engineUri = EngineOptions.engineUri(pick("--engine", engine, qs == null ? null : qs.engineUrl()));
    Proposal proposal = new Proposal(new EngineClient(engineUri, agentToken(qs)), err, POLL);
    return decision == null ? proposal.submit(req, action, wait) : proposal.resume(decision, wait);
  }

  /** {@code --token-file}, {@code --token} or {@value EngineOptions#TOKEN_ENV}; failing those, the quickstart's agent token. */
  private String agentToken(QuickstartFile qs) {
    boolean given = tokenFile != null || token != null || System.getenv(EngineOptions.TOKEN_ENV) != null;
    return EngineOptions.resolveToken(given || qs == null ? tokenFile : qs.agentTokenFile(), token, System.getenv());
  }

  private JsonNode request(QuickstartFile qs) {
    if ((example == null) == (request == null)) {
      throw CliFailure.badInput("give the action to propose: either --request FILE or --quickstart FILE --example NAME");
    }
    if (example != null) {
      if (qs == null) {
        throw CliFailure.badInput("--example needs --quickstart FILE (the examples live in quickstart.json)");
      }
      return qs.example(example);
    }
    try {
      JsonNode n = JSON.readTree(dev.arbiter.core.io.BoundedFiles.read(request, EngineClient.MAX_RESPONSE_BYTES));
      if (n == null || !n.isObject()) {
        throw CliFailure.badInput("--request " + request + " is not a JSON object");
      }
      return n;
    } catch (IOException e) {
      throw CliFailure.badInput("cannot read --request " + request + ": " + FileErrors.reason(e));
    }
  }

  private static String pick(String flag, String given, String fromQuickstart) {
    if (given != null) {
      return given;
    }
    if (fromQuickstart != null) {
      return fromQuickstart;
    }
    throw CliFailure.badInput("no " + flag + " URL: give " + flag + " or --quickstart FILE");
  }

  static Duration duration(String s) {
    Duration d = DurationOption.parse("--wait", s);
    if (d.compareTo(MAX_WAIT) > 0) {
      throw CliFailure.badInput("--wait " + Text.safe(s) + " is longer than " + MAX_WAIT.toDays()
          + " days; a decision expires long before that");
    }
    return d;
  }

  /** What the agent reads from a quickstart.json. */
  record QuickstartFile(Path file, JsonNode json) {
    static QuickstartFile read(Path file) {
      if (Files.isDirectory(file)) {
        throw CliFailure.badInput("--quickstart " + file + " is a directory; give its quickstart.json");
      }
      try {
        JsonNode n = JSON.readTree(file.toFile());
        if (n == null || !n.isObject()) {
          throw CliFailure.badInput("--quickstart " + file + " is not a JSON object");
        }
        return new QuickstartFile(file, n);
      } catch (FileNotFoundException | NoSuchFileException e) {
        throw CliFailure.badInput("--quickstart " + file + " does not exist (`arbiter quickstart` writes it once"
            + " everything it starts is ready)");
      } catch (IOException e) {
        throw CliFailure.badInput("cannot read --quickstart " + file + ": " + FileErrors.reason(e));
      }
    }

    String engineUrl() {
      return text("engine_url");
    }

    String gatewayUrl() {
      return text("gateway_url");
    }

    Path agentTokenFile() {
      String f = json.path("identities").path("agent").path("token_file").asText("");
      if (f.isEmpty()) {
        throw CliFailure.badInput("--quickstart " + file + " has no identities.agent.token_file");
      }
      return Path.of(f);
    }

    JsonNode example(String name) {
      JsonNode e = json.path("examples").get(name);
      if (e == null || !e.isObject()) {
        List<String> names = new ArrayList<>();
        json.path("examples").fieldNames().forEachRemaining(names::add);
        throw CliFailure.badInput("--quickstart " + file + " has no example `" + Text.safe(name) + "`; it has " + names);
      }
      return e;
    }

    private String text(String field) {
      String v = json.path(field).asText("");
      return v.isEmpty() ? null : v;
    }
  }

  /** The part of the request the gateway call needs: tool, target and payload. */
  record Action(String actionClass, String tool, String targetType, String targetId, JsonNode payload) {
    private static final Pattern TOOL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern HEADER_SAFE = Pattern.compile("[\\x21-\\x7e]{1,256}");

    static Action of(JsonNode request) {
      JsonNode a = request.path("action");
      String tool = a.path("tool").asText("");
      if (!TOOL.matcher(tool).matches()) {
        throw CliFailure.badInput("the request's action.tool `" + Text.safe(tool)
            + "` is not a tool name (letters, digits, . _ -; at most 64)");
      }
      JsonNode payload = a.get("payload");
      if (payload == null || payload.isNull()) {
        throw CliFailure.badInput("the request has no action.payload: there would be nothing to execute");
      }
      JsonNode target = a.path("target");
      return new Action(a.path("class").asText(""), tool, target.path("type").asText(""), target.path("id").asText(""),
          payload);
    }

    String describe() {
      return Text.safe(actionClass) + " on " + tool
          + (targetType.isEmpty() && targetId.isEmpty() ? "" : " (target " + Text.safe(targetType) + ":" + Text.safe(targetId) + ")");
    }

    /**
     * {@code type/id} for {@code Arbiter-Target}, which the gateway checks against the grant; empty when
     * the request names no target, or one a header cannot carry (visible ASCII, at most 256 chars).
     */
    Optional<String> targetHeader() {
      String value = targetType + "/" + targetId;
      return targetType.isEmpty() || targetId.isEmpty() || !HEADER_SAFE.matcher(value).matches()
          ? Optional.empty() : Optional.of(value);
    }

    boolean hasTarget() {
      return !targetType.isEmpty() || !targetId.isEmpty();
    }
  }
}
