package dev.arbiter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.StrictJson;
import dev.arbiter.core.policy.PolicyBundle;
import dev.arbiter.server.config.ServerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code arbiter quickstart}: everything that exists today, on the embedded defaults, in one
 * foreground process: the decision engine and its HTTP API over a durable SQLite ledger, with the
 * example policy bundle. Writes {@code DIR/quickstart.json} once it is ready and prints a
 * walkthrough. The identity issuer, approvals and the gateway come with later issues; the file and
 * the walkthrough say so rather than pretend.
 */
@Command(
    name = "quickstart",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Run Arbiter on its embedded defaults in the foreground (Ctrl-C or SIGTERM stops it cleanly):",
      "the decision engine and /v1 HTTP API over a durable SQLite ledger, with the example policy",
      "bundle (examples/policy, signed with a generated development policy key: not for production).",
      "Once ready it writes DIR/quickstart.json (what runs where) and prints a walkthrough.",
      "Not built yet: the development identity issuer, approvals and the execution gateway."
    })
public final class QuickstartCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--dir", defaultValue = "./quickstart", paramLabel = "DIR",
      description = "Where the quickstart keeps its data, keys and quickstart.json (default ./quickstart).")
  Path dir;

  @Option(names = "--port-base", defaultValue = "8600", paramLabel = "P",
      description = "First port to use: the engine listens on P (default 8600).")
  int portBase;

  @Option(names = "--bundle", defaultValue = "examples/policy", paramLabel = "DIR",
      description = "Development policy bundle (default examples/policy).")
  Path bundleDir;

  @Option(names = "--examples", defaultValue = "examples/requests", paramLabel = "DIR",
      description = "Example decision requests (default examples/requests).")
  Path examplesDir;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    if (portBase < 1 || portBase > 65_000) {
      throw CliFailure.badInput("--port-base must be in [1, 65000], got " + portBase);
    }
    JsonNode autoAllow = example("deploy-dev-auto-allow.json");
    JsonNode twoApprovals = example("deploy-prod-two-approvals.json");
    PolicyBundle bundle = PolicyCommand.load(bundleDir, err);
    Path base = dir.toAbsolutePath().normalize();
    ServerConfig config;
    try {
      config = ServerConfig.defaults().withAddress("127.0.0.1", portBase);
    } catch (IllegalArgumentException e) {
      throw CliFailure.badInput(e.getMessage());
    }
    ServeCommand.Embedded running = ServeCommand.Embedded.start(base.resolve("data"), bundle,
        dev.arbiter.server.ArbiterServer.PolicySource.DEVELOPMENT, config, new IdentityOptions());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      err.println("arbiter quickstart: stopping; closing the ledger");
      err.flush();
      running.stop();
      stopped.countDown();
    }, "arbiter-quickstart-shutdown"));

    String engineUrl = "http://127.0.0.1:" + running.server().port();
    Path pub = running.dataDir().resolve("keys/ledger.pub");
    ObjectNode qs = JsonNodeFactory.instance.objectNode();
    qs.put("engine_url", engineUrl);
    qs.put("ledger_db", running.ledgerDb().toString());
    qs.put("ledger_public_key", pub.toString());
    qs.put("policy", bundle.version() + " " + bundle.hash() + " (development bundle " + bundleDir + ", signed with the development policy key)");
    ObjectNode examples = qs.putObject("examples");
    examples.set("auto_allow", autoAllow);
    examples.set("two_approvals", twoApprovals);
    qs.putArray("not_built_yet")
        .add("gateway_url, tools: the execution gateway and sample tool (issue 5)")
        .add("issuer_url, identities, engine_public_key: the development identity issuer, approver keys and grants (issues 4, 5)");
    writeAtomically(base.resolve("quickstart.json"), qs.toPrettyString() + "\n");

    out.println(walkthrough(engineUrl, base, running.ledgerDb(), pub));
    out.flush();
    err.println("arbiter quickstart: ready; wrote " + base.resolve("quickstart.json") + " (Ctrl-C stops everything)");
    err.flush();
    stopped.await();
    return ExitCodes.OK;
  }

  private JsonNode example(String name) {
    Path file = examplesDir.resolve(name);
    try {
      return StrictJson.parse(Files.readAllBytes(file));
    } catch (IOException e) {
      throw CliFailure.badInput("--examples: cannot read " + file + " (run the quickstart from the repository root): " + e.getMessage());
    } catch (RuntimeException e) {
      throw CliFailure.badInput("--examples: " + file + " is not valid JSON: " + e.getMessage());
    }
  }

  private static void writeAtomically(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = Files.createTempFile(file.getParent(), ".quickstart", ".tmp");
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw CliFailure.unavailable("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private static String walkthrough(String engine, Path base, Path db, Path pub) {
    String qs = base.resolve("quickstart.json").toString();
    return String.join("\n",
        "",
        "Arbiter quickstart is running.",
        "  engine   " + engine + "/v1   (decisions; health: " + engine + "/v1/health)",
        "  ledger   " + db,
        "  key      " + pub,
        "",
        "1. An agent asks to deploy to dev: allowed at once, with the ledger's receipt.",
        "   curl -s -X POST " + engine + "/v1/decisions -H 'Content-Type: application/json' \\",
        "        -H 'Idempotency-Key: walkthrough-1' --data-binary \"$(jq -c .examples.auto_allow " + qs + ")\" | jq",
        "",
        "2. The same agent asks to deploy to production: it waits for two approvers.",
        "   curl -s -X POST " + engine + "/v1/decisions -H 'Content-Type: application/json' \\",
        "        -H 'Idempotency-Key: walkthrough-2' --data-binary \"$(jq -c .examples.two_approvals " + qs + ")\" | jq",
        "   (Approving with keys and executing through the gateway arrive with the next issues.)",
        "",
        "3. Read the trail, then verify the whole ledger with the public key only.",
        "   ./arbiter ledger show --db " + db + " --limit 20",
        "   ./arbiter ledger verify --db " + db + " --key " + pub,
        "",
        "4. Tamper with it by hand and watch verify name the entry (stop the quickstart first):",
        "   sqlite3 " + db + " \"DROP TRIGGER entries_no_update; UPDATE entries SET envelope = replace(envelope, 'checkout', 'checkoot') WHERE leaf_index = 1;\"",
        "   ./arbiter ledger verify --db " + db + " --key " + pub,
        "");
  }
}
