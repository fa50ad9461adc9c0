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
import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.gateway.GatewayConfig;
import dev.arbiter.gateway.GatewayServer;
import dev.arbiter.gateway.ToolRoute;
import dev.arbiter.gateway.execution.EngineExecutionRecorder;
import dev.arbiter.gateway.sample.SampleTool;
import dev.arbiter.gateway.verify.GrantVerifier;
import dev.arbiter.server.identity.DevIssuer;
import dev.arbiter.server.identity.Principal;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code arbiter quickstart}: the governed path on the embedded defaults, in one foreground process:
 * the engine over a durable SQLite ledger with the example bundle, a development OIDC issuer, the
 * execution gateway and a sample tool ({@code deployer}) that refuses calls without gateway proof.
 * Approvers' keys are generated and enrolled. Writes {@code DIR/quickstart.json} (mode 0600: it holds
 * tokens) once everything is ready and prints a walkthrough.
 */
@Command(
    name = "quickstart",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    header = "Run engine, gateway, dev issuer and a sample tool on embedded defaults, for the walkthrough.",
    description = {
      "Run Arbiter on its embedded defaults in the foreground, until Ctrl-C or SIGTERM stops it cleanly.",
      "  engine + ledger (SQLite) on P, gateway on P+1, development OIDC issuer on P+2, sample tool on P+3,",
      "  with the example policy bundle (signed with a generated development policy key: not for production).",
      "Once ready it writes DIR/quickstart.json (what runs where, identities with 24-hour dev tokens and",
      "enrolled approver keys, two example requests) and prints a copy-paste walkthrough; the file is",
      "removed again when it stops.",
      "Exit: 130 or 143 once stopped by SIGINT or SIGTERM (everything it started is stopped), 1 the ledger",
      "in DIR fails verification, 2 bad arguments, 3 cannot start (DIR in use by another quickstart, a",
      "port taken)."
    })
public final class QuickstartCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--dir", defaultValue = "./quickstart", paramLabel = "DIR",
      description = "Where the quickstart keeps its data, keys and quickstart.json (default ./quickstart).")
  Path dir;

  @Option(names = "--port-base", defaultValue = "8600", paramLabel = "P",
      description = "First of four ports: engine P, gateway P+1, dev issuer P+2, sample tool P+3 (default 8600).")
  int portBase;

  @Option(names = "--bundle", defaultValue = "examples/policy", paramLabel = "DIR",
      description = "Development policy bundle (default examples/policy).")
  Path bundleDir;

  @Option(names = "--examples", defaultValue = "examples/requests", paramLabel = "DIR",
      description = "Example decision requests (default examples/requests).")
  Path examplesDir;

  /** One person or service of the quickstart: subject, IdP roles, level (for the file). */
  private record Identity(String name, String subject, List<String> roles, String level, boolean human) {}

  private static final List<Identity> IDENTITIES = List.of(
      new Identity("agent", "ci_pipeline", List.of("operator"), "L1", false),
      new Identity("approver1", "approver1", List.of("supervisor"), "L2", true),
      new Identity("approver2", "approver2", List.of("supervisor"), "L2", true),
      new Identity("approver3", "approver3", List.of("manager"), "L3", true),
      new Identity("security_officer", "security_officer", List.of("security-officer"), "L4", true),
      new Identity("executive", "executive", List.of("executive"), "L5", true));
  private static final Duration TOKEN_TTL = Duration.ofHours(24);
  /** Orders writing quickstart.json against the shutdown hook that removes it. */
  private final Object readyLock = new Object();
  private boolean stopping;
  static final String TOOL = "deployer";

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    if (portBase < 1 || portBase > 65_000) {
      throw CliFailure.badInput("--port-base must be in [1, 65000], got " + portBase);
    }
    Path base = dir.toAbsolutePath().normalize();
    ServerConfig config;
    try {
      config = ServerConfig.defaults().withAddress("127.0.0.1", portBase);
    } catch (IllegalArgumentException e) {
      throw CliFailure.badInput(e.getMessage());
    }
    // quickstart.json says "everything is ready": a previous run's copy (its tokens, its ports) must
    // not say so while this one starts. This run first takes the directory (a second quickstart on it
    // stops here and leaves the running one's file alone), then removes the stale file before anything
    // else (black-box run: after a SIGKILL the old file stayed ~4 s into the next start, while the
    // bundle compiled), and removes it again first thing on the way down.
    dev.arbiter.ledger.store.ExclusiveLock directory = holdDirectory(base);
    Path readyFile = base.resolve("quickstart.json");
    deleteReadyFile(readyFile, err);
    JsonNode autoAllow;
    JsonNode twoApprovals;
    PolicyBundle bundle;
    try {
      autoAllow = example("deploy-dev-auto-allow.json");
      twoApprovals = example("deploy-prod-two-approvals.json");
      bundle = PolicyCommand.load(bundleDir, err);
    } catch (RuntimeException e) {
      directory.close();
      throw e;
    }
    // Ports: engine P, gateway P+1, development issuer P+2, sample tool P+3.
    ServeCommand.Embedded running;
    try {
      running = ServeCommand.Embedded.start(base.resolve("data"), bundle,
          dev.arbiter.server.ArbiterServer.PolicySource.DEVELOPMENT, config, new IdentityOptions(), portBase + 2,
          java.util.Optional.empty());
    } catch (CliFailure f) {
      directory.close(); // nothing of this run is left holding the directory
      if (f.exitCode() == ExitCodes.VERIFICATION_FAILED) {
        // A newcomer who tampered on purpose (the walkthrough's step 6) needs the way on, not only the verdict.
        throw CliFailure.verification(f.getMessage() + ". This quickstart's data stays refused: keep it as evidence"
            + " and run a fresh one elsewhere (./arbiter quickstart --dir OTHER_DIR), or delete " + base + " to start over");
      }
      throw f;
    } catch (RuntimeException e) {
      directory.close(); // nothing of this run is left holding the directory
      throw e;
    }
    List<AutoCloseable> started = java.util.Collections.synchronizedList(new ArrayList<>());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      synchronized (readyLock) {
        stopping = true; // a start still under way must not write the file after this
        deleteReadyFile(readyFile, err);
      }
      err.println("arbiter quickstart: stopping the gateway, the sample tool and the engine; closing the ledger");
      err.flush();
      for (int i = started.size() - 1; i >= 0; i--) {
        try {
          started.get(i).close();
        } catch (Exception e) {
          err.println("arbiter quickstart: " + e.getMessage());
        }
      }
      running.stop();
      stopped.countDown();
    }, "arbiter-quickstart-shutdown"));

    DevIssuer issuer = running.devIssuer().orElseThrow();
    String engineUrl = "http://127.0.0.1:" + running.server().port();
    Path keys = running.dataDir().resolve("keys");
    Path ledgerPub = keys.resolve("ledger.pub");
    Path enginePub = keys.resolve("engine.pub");
    LedgerKeyFile.Loaded gatewayKey = LedgerKeyFile.loadOrCreate(keys, "gateway");
    VerifyingKey engineKey = running.engineKey().key().verifyingKey();
    VerifyingKey ledgerKey = running.key().key().verifyingKey();
    Clock clock = Clock.systemUTC();

    Path toolLog = base.resolve("tools").resolve(TOOL).resolve("executions.jsonl");
    GrantVerifier verifier = new GrantVerifier(List.of(engineKey), ledgerKey, List.of(gatewayKey.key().verifyingKey()), TOOL,
        clock, GatewayConfig.DEFAULT_SKEW);
    SampleTool tool;
    GatewayServer gateway;
    try {
      tool = SampleTool.start("127.0.0.1", portBase + 3, verifier, TOOL, toolLog, clock);
      started.add(tool);
      String toolUrl = "http://127.0.0.1:" + tool.port() + SampleTool.PATH;
      EngineExecutionRecorder recorder =
          new EngineExecutionRecorder(URI.create(engineUrl), new GatewayToken(issuer), Duration.ofSeconds(5));
      started.add(recorder); // closed after the gateway: the list is closed newest first
      gateway = GatewayServer.start(new GatewayConfig("127.0.0.1", portBase + 1,
          List.of(new ToolRoute(TOOL, URI.create(toolUrl), Set.of("deploy"), Duration.ofSeconds(10))), List.of(engineKey),
          ledgerKey, gatewayKey.key(), running.dataDir().resolve("gateway-burned.db"), recorder, clock,
          GatewayConfig.DEFAULT_SKEW));
      started.add(gateway);
    } catch (Exception e) {
      throw CliFailure.unavailable("cannot start the gateway or the sample tool (ports " + (portBase + 1) + ", "
          + (portBase + 3) + "): " + e.getMessage(), e);
    }
    String gatewayUrl = "http://127.0.0.1:" + gateway.port();

    ObjectNode qs = JsonNodeFactory.instance.objectNode();
    qs.put("engine_url", engineUrl);
    qs.put("gateway_url", gatewayUrl);
    qs.put("issuer_url", issuer.issuer().toString());
    qs.put("issuer_notice", DevIssuer.NOTICE);
    qs.put("ledger_db", running.ledgerDb().toString());
    qs.put("ledger_public_key", ledgerPub.toString());
    qs.put("engine_public_key", enginePub.toString());
    qs.put("gateway_public_key", keys.resolve("gateway.pub").toString());
    qs.put("policy", bundle.version() + " " + bundle.hash() + " (development bundle " + bundleDir + ", signed with the development policy key)");
    ObjectNode t = qs.putArray("tools").addObject();
    t.put("name", TOOL).put("direct_url", "http://127.0.0.1:" + tool.port() + SampleTool.PATH)
        .put("execution_log", toolLog.toString()).put("gateway_url", gatewayUrl + "/tools/" + TOOL);
    ObjectNode ids = qs.putObject("identities");
    Path idDir = base.resolve("identities");
    for (Identity who : IDENTITIES) {
      ObjectNode n = ids.putObject(who.name());
      n.put("subject", who.subject());
      if (who.level() == null) {
        n.putNull("level");
      } else {
        n.put("level", who.level());
      }
      who.roles().forEach(n.putArray("roles")::add);
      String token = issuer.mint(who.subject(), who.roles(), TOKEN_TTL);
      n.put("token", token);
      // The same token in its own 0600 file, for --token-file: an argument would show in `ps`.
      n.put("token_file", writeOwnerOnly(idDir.resolve(who.name() + ".token"), token).toString());
      if (who.human()) {
        LedgerKeyFile.Loaded key = LedgerKeyFile.loadOrCreate(idDir, who.name());
        enrol(running, who, key);
        n.put("key", idDir.resolve(who.name() + ".key").toString());
        n.put("public_key", idDir.resolve(who.name() + ".pub").toString());
        n.put("key_id", key.key().keyId().value());
      }
    }
    ObjectNode examples = qs.putObject("examples");
    examples.set("auto_allow", autoAllow);
    examples.set("two_approvals", twoApprovals);
    Path file = readyFile;
    boolean stoppingAlready;
    synchronized (readyLock) {
      stoppingAlready = stopping;
      if (!stoppingAlready) {
        writeAtomically(file, qs.toPrettyString() + "\n");
        setOwnerOnly(file); // it holds bearer tokens
      }
    }
    if (stoppingAlready) {
      stopped.await();
      java.lang.ref.Reference.reachabilityFence(directory);
      return ExitCodes.OK;
    }

    out.println(walkthrough(engineUrl, gatewayUrl, issuer.issuer().toString(), base, running.ledgerDb(), ledgerPub, toolLog,
        t.get("direct_url").asText()));
    out.flush();
    err.println("arbiter quickstart: ready; wrote " + file + " (Ctrl-C stops everything)");
    err.println("arbiter quickstart: " + DevIssuer.NOTICE + " at " + issuer.issuer());
    if (InheritedSignals.sigintIgnored()) {
      err.println("arbiter quickstart: this process was started with SIGINT ignored (a background command of a script?),"
          + " so Ctrl-C and kill -INT cannot stop it: stop it with SIGTERM (kill " + ProcessHandle.current().pid()
          + "), or start it through ./arbiter, which resets SIGINT");
    }
    err.flush();
    stopped.await();
    // The directory stays this run's until the end: an unreachable lock is released by its cleaner
    // (review: after its last use above, a compiled frame need not keep it alive).
    java.lang.ref.Reference.reachabilityFence(directory);
    return ExitCodes.OK;
  }

  /**
   * Enrols a quickstart approver's key as that approver would: the engine's statement, signed with
   * the approver's private key as proof of possession (the binding and its proof are a ledger event).
   */
  private static void enrol(ServeCommand.Embedded running, Identity who, LedgerKeyFile.Loaded key) {
    Principal p = new Principal(who.subject(), dev.arbiter.core.authority.AuthorityLevel.fromName(who.level()),
        Set.of("*"), who.roles(), List.of());
    var keys = running.server().engine().keys();
    String pem = key.key().verifyingKey().toSpkiPem();
    try {
      keys.enrol(p, pem, dev.arbiter.core.approval.EnrolmentProof.sign(keys.statement(p, pem), key.key()).toJson());
    } catch (dev.arbiter.server.engine.EngineException e) {
      throw CliFailure.unavailable("cannot enrol the key of " + who.subject() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes a token file (0600) through the very descriptor that created it (O_EXCL, no symlink
   * followed): reopening it by name would let a symlink swapped in meanwhile redirect the token.
   */
  static Path writeOwnerOnly(Path file, String text) {
    try {
      Files.createDirectories(file.getParent(), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
          java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
      Files.deleteIfExists(file); // a symlink is removed itself, never followed
      try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
          Set.of(java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE,
              java.nio.file.LinkOption.NOFOLLOW_LINKS),
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")))) {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap((text + "\n").getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
      }
      return file;
    } catch (IOException e) {
      throw CliFailure.unavailable("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private static void setOwnerOnly(Path file) {
    try {
      Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (IOException | UnsupportedOperationException e) {
      throw CliFailure.unavailable("cannot restrict " + file + " to its owner: " + e.getMessage(), e);
    }
  }

  /** The gateway's own token from the development issuer, minted again before it expires. */
  private static final class GatewayToken implements java.util.function.Supplier<String> {
    private final DevIssuer issuer;
    private String token;
    private java.time.Instant renewAt = java.time.Instant.MIN;

    GatewayToken(DevIssuer issuer) {
      this.issuer = issuer;
    }

    @Override
    public synchronized String get() {
      java.time.Instant now = java.time.Instant.now();
      if (now.isAfter(renewAt)) {
        token = issuer.mint("gateway", List.of(dev.arbiter.server.config.SecurityConfig.DEFAULT_GATEWAY_ROLE), Duration.ofHours(1));
        renewAt = now.plus(Duration.ofMinutes(50));
      }
      return token;
    }
  }

  private JsonNode example(String name) {
    Path file = examplesDir.resolve(name);
    try {
      return StrictJson.parse(dev.arbiter.core.io.BoundedFiles.read(file, 1024 * 1024));
    } catch (IOException e) {
      throw CliFailure.badInput("--examples: cannot read " + file + " (run the quickstart from the repository root): " + FileErrors.reason(e));
    } catch (RuntimeException e) {
      throw CliFailure.badInput("--examples: " + file + " is not valid JSON: " + e.getMessage());
    }
  }

  /**
   * One quickstart per directory: an exclusive lock on {@code DIR/.quickstart.lock} (never through a
   * symlink), or exit 3. Held for the life of the process; released by the OS however it exits.
   */
  private static dev.arbiter.ledger.store.ExclusiveLock holdDirectory(Path base) {
    if (Files.exists(base) && !Files.isDirectory(base)) {
      throw CliFailure.badInput("--dir " + base + " is not a directory");
    }
    try {
      if (!Files.isDirectory(base)) {
        Files.createDirectories(base, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
            java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
      }
      return dev.arbiter.ledger.store.ExclusiveLock.tryAcquire(base.resolve(".quickstart.lock")).orElseThrow(() ->
          CliFailure.unavailable("another quickstart is running with --dir " + base + "; stop it first", null));
    } catch (IOException e) {
      throw CliFailure.unavailable("cannot use --dir " + base + ": " + FileErrors.reason(e), e);
    }
  }

  private static void deleteReadyFile(Path file, PrintWriter err) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      err.println("arbiter quickstart: cannot remove " + file + ": " + e.getMessage());
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

  private static String walkthrough(String engine, String gateway, String issuer, Path base, Path db, Path pub,
      Path toolLog, String direct) {
    String qs = base.resolve("quickstart.json").toString();
    Path ids = base.resolve("identities");
    Path grant = base.resolve("grant.jws");
    return String.join("\n",
        "",
        "Arbiter quickstart is running.",
        "  engine    " + engine + "/v1   (decisions, approvals, grants)",
        "  gateway   " + gateway + "/tools/" + TOOL + "   (the only way to the tool)",
        "  tool      " + TOOL + " (sample deployer; writes what it executed to " + toolLog + ")",
        "  issuer    " + issuer + "   (" + DevIssuer.NOTICE + ")",
        "  ledger    " + db,
        "  identities, tokens and keys: " + qs,
        "",
        "1. In a second shell, from the repository root: the sample agent proposes a production deploy.",
        "   The policy wants two distinct approvers, so it prints the decision id and waits.",
        "   ./arbiter agent --quickstart " + qs + " --example two_approvals --save-grant " + grant,
        "",
        "2. In a third shell: what waits for approval; set ID to the id the agent printed.",
        "   ./arbiter decisions list --pending --engine " + engine + " --token-file " + ids.resolve("approver1.token"),
        "   ID=dec_…",
        "",
        "3. Two approvers sign the challenge with their own keys. The agent reports each approval, fetches its",
        "   one-time grant and executes through the gateway: the tool's log gets exactly one line.",
        "   ./arbiter approve --engine " + engine + " --decision $ID --token-file " + ids.resolve("approver1.token")
            + " --key " + ids.resolve("approver1.key") + " --rationale 'change ticket reviewed' --yes",
        "   ./arbiter approve --engine " + engine + " --decision $ID --token-file " + ids.resolve("approver2.token")
            + " --key " + ids.resolve("approver2.key") + " --rationale 'rollback plan ok' --yes",
        "   cat " + toolLog,
        "",
        "4. Try to walk around it: the same grant again (409 grant-already-used, exit 1), the tool without the gateway (403).",
        "   ./arbiter agent --quickstart " + qs + " --example two_approvals --grant-file " + grant,
        "   curl -s -X POST " + direct + " -H 'Content-Type: application/json' -d '{}'",
        "",
        "5. Read the trail, then verify the whole ledger with the public key only.",
        "   ./arbiter ledger show --db " + db + " --stream $ID",
        "   ./arbiter ledger verify --db " + db + " --key " + pub,
        "",
        "6. Stop the quickstart (Ctrl-C), tamper with the database by hand (the decision's decision.created),",
        "   and watch verify name that entry (exit 1):",
        "   sqlite3 " + db + " \"DROP TRIGGER entries_no_update; UPDATE entries SET envelope = replace(envelope, 'checkout', 'checkoot') WHERE stream_id = '$ID' AND stream_seq = 0;\"",
        "   ./arbiter ledger verify --db " + db + " --key " + pub,
        "   A quickstart restarted on this directory then refuses to start (exit 1) and names the same entry.",
        "",
        "The same steps with curl (and the HTTP contract): README.md and docs/api-approvals-grants.md.",
        "");
  }
}
