package dev.arbiter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.approval.Challenge;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.crypto.SigningKey;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code arbiter approve}: fetch a challenge for a pending decision, show the approver what they are
 * about to sign, sign it with their key, and submit it.
 *
 * <p>The CLI never signs bytes it did not compute itself: it rebuilds the signing input from the
 * challenge fields ({@link Challenge#signingInput()}) and refuses (exit 1, nothing posted) when the
 * engine's {@code signing_input} differs, when the challenge names another decision or intent, or
 * when the decision shown carries another policy hash than the challenge.
 */
@Command(
    name = "approve",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Approve (or with --reject, reject) a decision that waits for authority.",
      "  1. asks the engine for a challenge (POST /v1/decisions/ID/challenge);",
      "  2. shows the decision (action, tool, intent, target, environment, risk,",
      "     required authority, proposer) and exactly what will be signed:",
      "     arbiter-approval-v1 ‖ 0x00 ‖ the challenge's canonical JSON;",
      "  3. refuses if the engine's signing_input differs from those bytes;",
      "  4. asks you to confirm on the console (unless --yes), signs with --key,",
      "     and submits (POST /v1/decisions/ID/approvals or /rejections).",
      "Token: --token-file FILE (preferred), --token T, or env ARBITER_TOKEN.",
    },
    footer = {
      "",
      "Example:",
      "  arbiter approve --engine http://127.0.0.1:8080 \\",
      "      --token-file ~/.arbiter/token --decision dec_01J... \\",
      "      --key ~/.arbiter/keys/alice.key --rationale 'reviewed CR-42'",
      "",
      "Exit codes: 0 accepted (prints the new status); 1 refused by the engine,",
      "declined at the prompt, or a challenge that does not match what the CLI",
      "computes; 2 bad arguments, or no console and no --yes; 3 the engine is",
      "unreachable or unavailable (503)."
    })
public final class ApproveCommand implements Callable<Integer> {
  private static final Pattern DECISION_ID = Pattern.compile("dec_[0-9A-HJKMNP-TV-Z]{26}");
  private static final int MAX_RATIONALE_CHARS = 2000;

  /** Where the confirmation is asked. {@link #readLine} returns null at end of input. */
  public interface Console {
    /** Null when there is no interactive console. */
    static Console system() {
      java.io.Console c = System.console();
      if (c == null || !isTerminal(c)) {
        return null;
      }
      return prompt -> c.readLine("%s", prompt);
    }

    String readLine(String prompt);
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin EngineOptions engineOptions;

  @Option(names = "--decision", required = true, paramLabel = "ID", description = "The decision to sign for (dec_...).")
  String decisionId;

  @Option(names = "--key", required = true, paramLabel = "FILE",
      description = "Your private signing key (PKCS#8 PEM from `arbiter keys generate`, mode 0600), enrolled with `arbiter keys enrol`.")
  Path keyFile;

  @Option(names = "--rationale", required = true, paramLabel = "TEXT", description = "Why you approve or reject; recorded in the ledger.")
  String rationale;

  @Option(names = "--reject", description = "Sign a rejection instead of an approval (the decision becomes denied).")
  boolean reject;

  @Option(names = "--yes", description = "Do not ask for confirmation (for scripts; review the decision first).")
  boolean yes;

  private final Console console;
  private final Map<String, String> env;

  public ApproveCommand() {
    this(Console.system(), System.getenv());
  }

  /** For tests: a scripted console (or null for none) and environment. */
  ApproveCommand(Console console, Map<String, String> env) {
    this.console = console;
    this.env = Map.copyOf(env);
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (!DECISION_ID.matcher(decisionId).matches()) {
      throw CliFailure.badInput("--decision `" + Text.safe(decisionId) + "` is not a decision id (dec_ and 26 ULID characters)");
    }
    if (rationale.isBlank() || rationale.length() > MAX_RATIONALE_CHARS) {
      throw CliFailure.badInput("--rationale must be 1 to " + MAX_RATIONALE_CHARS + " characters of text");
    }
    if (!yes && console == null) {
      throw CliFailure.badInput("no console to confirm on: review the decision (arbiter decisions list) and re-run"
          + " with --yes to sign without a prompt; nothing was signed");
    }
    SigningKey key = loadKey();
    EngineClient engine = engineOptions.client(env);
    String intent = reject ? Challenge.REJECT : Challenge.APPROVE;

    JsonNode issued = engine.expect(
        engine.post("/v1/decisions/" + decisionId + "/challenge", JsonNodeFactory.instance.objectNode().put("intent", intent)),
        "challenge", 201, 200);
    Challenge challenge = checkedChallenge(issued, intent);
    byte[] signingInput = challenge.signingInput();
    JsonNode decision = issued.path("decision");
    printSummary(out, new DecisionView(decision), challenge);

    if (!yes && !confirmed(out)) {
      throw CliFailure.verification("declined at the prompt: nothing was signed or sent");
    }
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.set("challenge", challenge.toJson());
    body.put("key_id", key.keyId().value());
    body.put("signature", Base64.getEncoder().encodeToString(key.sign(signingInput)));
    body.put("rationale", rationale);
    String what = reject ? "rejection" : "approval";
    JsonNode result = engine.expect(engine.post("/v1/decisions/" + decisionId + (reject ? "/rejections" : "/approvals"), body),
        what, 200, 201);
    out.println(what + " accepted: " + new DecisionView(result).statusLine());
    out.flush();
    return ExitCodes.OK;
  }

  /**
   * The challenge as the CLI itself understands it, after checking the engine's claims against it:
   * exact fields, this decision, this intent, the decision's policy hash, and the engine's
   * signing_input equal (constant-time) to the bytes computed here.
   */
  private Challenge checkedChallenge(JsonNode issued, String intent) {
    Challenge challenge;
    try {
      challenge = Challenge.fromJson(issued.get("challenge"));
    } catch (IllegalArgumentException e) {
      throw refuse("the engine's challenge is malformed: " + Text.safe(e.getMessage()));
    }
    if (!challenge.decisionId().equals(decisionId)) {
      throw refuse("the engine's challenge is for decision `" + Text.safe(challenge.decisionId()) + "`, not " + decisionId);
    }
    if (!challenge.intent().equals(intent)) {
      throw refuse("the engine's challenge has intent `" + Text.safe(challenge.intent()) + "`, not `" + intent + "`");
    }
    JsonNode decision = issued.path("decision");
    String shownId = decision.path("decision_id").asText("");
    if (!shownId.isEmpty() && !shownId.equals(decisionId)) {
      throw refuse("the engine describes decision `" + Text.safe(shownId) + "`, not " + decisionId);
    }
    String shownPolicy = decision.path("policy").path("hash").asText("");
    if (!shownPolicy.isEmpty() && !shownPolicy.equals(challenge.policyHash())) {
      throw refuse("the challenge pins policy " + Text.safe(challenge.policyHash()) + " but the decision shown was made under "
          + Text.safe(shownPolicy));
    }
    SigningInputCheck.requireSame(issued.get("signing_input"), challenge.signingInput(), Challenge.CONTEXT, "its own challenge");
    return challenge;
  }

  private static CliFailure refuse(String why) {
    return SigningInputCheck.refuse(why);
  }

  private void printSummary(PrintWriter out, DecisionView d, Challenge c) {
    String verb = reject ? "REJECT" : "APPROVE";
    out.println("decision " + d.id());
    row(out, "status", d.statusLine());
    row(out, "action", d.actionClass());
    row(out, "tool", d.tool());
    row(out, "intent", d.intent());
    row(out, "target", d.target());
    row(out, "environment", d.environment());
    row(out, "risk", d.risk());
    row(out, "requires", d.authority());
    row(out, "proposer", d.proposer());
    row(out, "expires", d.expires());
    JsonNode payload = d.payload().orElseThrow(() -> refuse("the engine did not show the decision's payload, i.e."
        + " what its grant would let run; not signing blind"));
    // The payload, whole: it is what the grant binds (payload_hash) and the tool executes.
    row(out, "payload", Text.safeWhole(new String(CanonicalJson.encode(payload), StandardCharsets.UTF_8)));
    row(out, "payload hash", dev.arbiter.core.grant.Grant.payloadHash(payload));
    out.println();
    out.println("you are about to " + verb + " it. The signed bytes are " + Challenge.CONTEXT + " ‖ 0x00 ‖ this JSON:");
    out.println("  " + Text.safe(new String(CanonicalJson.encode(c.toJson()), StandardCharsets.UTF_8)));
    row(out, "challenge expires", c.expiresAt().toString());
    row(out, "rationale", Text.safe(rationale));
    out.flush();
  }

  private static void row(PrintWriter out, String label, String value) {
    out.println(String.format(Locale.ROOT, "  %-18s %s", label, value));
  }

  private boolean confirmed(PrintWriter out) {
    out.flush();
    String answer = console.readLine((reject ? "Sign this rejection" : "Sign this approval") + " with key "
        + keyFile.getFileName() + "? [y/N] ");
    return answer != null && (answer.strip().equalsIgnoreCase("y") || answer.strip().equalsIgnoreCase("yes"));
  }

  private SigningKey loadKey() {
    return PrivateKeyFile.load(keyFile, "--key " + keyFile, "");
  }

  /** Java 22+ tells whether the console is a terminal; on 21 a non-null console is one. */
  private static boolean isTerminal(java.io.Console c) {
    try {
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
    } catch (NoSuchMethodException e) {
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }
}
