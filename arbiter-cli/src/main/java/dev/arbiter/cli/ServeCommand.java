package dev.arbiter.cli;

import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.core.policy.BundleReadException;
import dev.arbiter.core.policy.BundleVerificationException;
import dev.arbiter.core.policy.PolicyBundle;
import dev.arbiter.core.policy.PolicyBundles;
import dev.arbiter.core.policy.PolicyCompilationException;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.LedgerIntegrityException;
import dev.arbiter.ledger.LedgerOptions;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.NotALedgerException;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import dev.arbiter.server.ArbiterServer;
import dev.arbiter.server.ArbiterServer.PolicySource;
import dev.arbiter.server.config.ServerConfig;
import dev.arbiter.server.identity.DevIssuer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code arbiter serve}: the embedded default (role {@code all}): an SQLite ledger in the data
 * directory, a ledger key generated there on first start, and either a verified signed bundle or an
 * development bundle directory, signed at start with a generated development policy key. Blocks until SIGTERM/SIGINT, then stops the listener and
 * closes the ledger cleanly.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    header = "Run the engine and its HTTP API over a durable ledger, or the enforcement gateway.",
    description = {
      "Run the decision engine and its HTTP API (/v1) over a durable SQLite ledger",
      "(--role all, the default), or the enforcement gateway in front of tools",
      "(--role gateway).",
      "",
      "--role all:",
      "  DIR/ledger.db        the ledger (created on first start)",
      "  DIR/keys/ledger.key  ledger signing key (generated on first start, 0600)",
      "  DIR/keys/ledger.pub  its public key, for `arbiter ledger verify`",
      "  DIR/keys/engine.key  engine key that signs grants (generated, 0600)",
      "Policy: --signed-bundle FILE --policy-key PUB (refuses to start unless it",
      "verifies), or --bundle DIR (default examples/policy): a development bundle,",
      "signed at start with DIR/keys/policy-dev.key (not for production).",
      "Identity: every call but /v1/health and /v1/ready needs a bearer token from",
      "--oidc-issuer (discovery + JWKS; https, or plain http on loopback only);",
      "without it a DEVELOPMENT issuer runs on",
      "loopback (refused when ARBITER_ENV=production). --identity FILE maps IdP",
      "roles to authority levels and domains, and action classes to domains:",
      "  roles:",
      "    deploy-approver:  {level: L2, domains: [infra]}",
      "    payments-manager: {level: L3, domains: [payments]}",
      "    security:         {level: L4, domains: [\"*\"]}",
      "  class_domains: {deploy: infra, transfer: payments}",
      "  roles_claim: groups   # the claim listing roles (default roles; a dotted",
      "                        # path such as realm_access.roles reads nested ones)",
      "",
      "--role gateway: POST /tools/NAME with an Arbiter-Grant header is verified",
      "offline (pinned engine and ledger keys), burned once, recorded on the engine",
      "(POST /v1/executions) and forwarded to the tool's upstream.",
      "  --gateway-config FILE  listen, engine_keys, ledger_key, gateway_key,",
      "                         burn_store, skew_seconds, tools (each: name,",
      "                         upstream, allowed_classes, timeout_ms and, to",
      "                         refuse grants decided for another environment,",
      "                         environments: [production])",
      "  --engine URL           the engine executions are recorded on",
      "  --engine-token-file F  the gateway's token (role arbiter-gateway),",
      "                         re-read on every call",
      "  --host/--port, when given, override the file's listen address.",
      "",
      "Exit codes: 1 the signed bundle does not verify or the ledger fails its",
      "check, 2 bad arguments or a bad gateway configuration, 3 unavailable."
    })
public final class ServeCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--data-dir", defaultValue = "./data", paramLabel = "DIR", description = "Data directory (default ./data).")
  Path dataDir;

  @Option(names = "--bundle", paramLabel = "DIR", description = "Development bundle directory (default examples/policy), signed with a generated development key.")
  Path bundleDir;

  @Option(names = "--signed-bundle", paramLabel = "FILE", description = "Signed bundle file (arbiter policy build --sign).")
  Path signedBundle;

  @Option(names = "--policy-key", paramLabel = "PUB", description = "Trusted policy public key(s) for --signed-bundle.")
  List<Path> policyKeys;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default 127.0.0.1).")
  String host;

  @Option(names = "--port", defaultValue = "8080", description = "Port (default 8080; 0 picks a free one).")
  int port;

  @Option(names = "--role", defaultValue = "all", paramLabel = "ROLE",
      description = "all (default: engine + ledger in one process) or gateway (the enforcement gateway).")
  String role;

  @Option(names = "--trusted-checkpoint", paramLabel = "FILE",
      description = "A checkpoint kept where the data directory's owner cannot write (from `arbiter ledger checkpoint`"
          + " or GET /v1/ledger/checkpoint). The engine refuses to start unless its ledger still contains it: a tail"
          + " cut or rewrite made while it was stopped is caught, not served.")
  Path trustedCheckpoint;

  @Option(names = "--reverify-every", defaultValue = "1h", paramLabel = "DURATION",
      description = "Verify the whole ledger again this often while running, as `arbiter ledger verify` does, and"
          + " that it still holds the last checkpoint this engine signed: e.g. 10m, 1h, or 0 for only at start"
          + " (default ${DEFAULT-VALUE}). A failure refuses every change until the ledger is investigated.")
  String reverifyEvery;

  @CommandLine.Mixin IdentityOptions identity = new IdentityOptions();

  @CommandLine.Mixin GatewayOptions gateway = new GatewayOptions();

  /** Options of the engine roles, refused with --role gateway rather than silently ignored. */
  private static final List<String> ENGINE_ONLY = List.of("--data-dir", "--bundle", "--signed-bundle", "--policy-key",
      "--oidc-issuer", "--oidc-audience", "--identity", "--trusted-checkpoint", "--reverify-every");

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
    if (role.equals("gateway")) {
      for (String o : ENGINE_ONLY) {
        if (parsed != null && parsed.hasMatchedOption(o)) {
          throw CliFailure.badInput(o + " does not apply to --role gateway (the gateway reads --gateway-config)");
        }
      }
      boolean hostGiven = parsed != null && parsed.hasMatchedOption("--host");
      boolean portGiven = parsed != null && parsed.hasMatchedOption("--port");
      return GatewayRole.run(gateway, hostGiven ? host : null, portGiven ? port : null, err);
    }
    if (!role.equals("all")) {
      throw CliFailure.badInput("--role `" + Text.safe(role) + "` is not available yet; use --role all or --role gateway");
    }
    if (gateway.anyGiven()) {
      throw CliFailure.badInput("--gateway-config, --engine and --engine-token-file apply to --role gateway only");
    }
    ServerConfig config;
    try {
      config = ServerConfig.defaults().withAddress(host, port).withReverifyEvery(interval(reverifyEvery));
    } catch (IllegalArgumentException e) {
      throw CliFailure.badInput(e.getMessage());
    }
    PolicyBundle bundle;
    PolicySource source;
    if (signedBundle != null) {
      if (bundleDir != null) {
        throw CliFailure.badInput("give either --bundle or --signed-bundle, not both");
      }
      bundle = loadSigned();
      source = PolicySource.SIGNED;
    } else {
      if (policyKeys != null) {
        throw CliFailure.badInput("--policy-key applies to --signed-bundle only");
      }
      bundle = PolicyCommand.load(bundleDir == null ? Path.of("examples/policy") : bundleDir, err);
      source = PolicySource.DEVELOPMENT;
    }

    java.util.Optional<Checkpoint> trusted = java.util.Optional.ofNullable(trustedCheckpoint)
        .map(f -> dev.arbiter.cli.ledger.LedgerFiles.readCheckpoint(f, "--trusted-checkpoint"));
    Embedded running = Embedded.start(dataDir, bundle, source, config, identity, 0, trusted);
    ArbiterServer server = running.server();
    Ledger ledger = running.ledger();
    Path dir = running.dataDir();
    Path db = running.ledgerDb();
    LedgerKeyFile.Loaded key = running.key();

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      err.println("arbiter: stopping (signal received); closing the ledger");
      err.flush();
      running.stop();
      stopped.countDown();
    }, "arbiter-shutdown"));

    err.println("arbiter: role all listening on http://" + host + ":" + server.port() + "/v1");
    running.devIssuer().ifPresentOrElse(
        d -> err.println("arbiter: " + DevIssuer.NOTICE + " at " + d.issuer() + ": it mints no tokens for callers of this"
            + " engine; for a local try use `arbiter quickstart` (it hands out tokens), for real callers --oidc-issuer"),
        () -> err.println("arbiter: trusting OIDC issuer " + identity.issuer));
    err.println("arbiter: engine key " + dir.resolve("keys/engine.pub") + " (grants are signed with it)");
    err.println("arbiter: ledger " + db + " (key " + key.key().keyId().value() + (key.created() ? ", generated now" : "") + ")");
    err.println("arbiter: ledger public key " + dir.resolve("keys/ledger.pub"));
    err.println("arbiter: policy " + bundle.version() + " " + bundle.hash() + (source == PolicySource.SIGNED
        ? " (signed, verified)"
        : " (development bundle " + (bundleDir == null ? "examples/policy" : bundleDir)
            + ", signed with the development policy key " + dir.resolve("keys/policy-dev.pub") + ": not for production)"));
    err.flush();
    stopped.await();
    return ExitCodes.OK;
  }

  private PolicyBundle loadSigned() {
    if (policyKeys == null || policyKeys.isEmpty()) {
      throw CliFailure.badInput("--signed-bundle needs --policy-key PUB (the bundle is checked against it)");
    }
    Set<VerifyingKey> trusted = new java.util.HashSet<>();
    for (Path p : policyKeys) {
      try {
        trusted.add(VerifyingKey.load(p));
      } catch (IOException e) {
        throw CliFailure.badInput("--policy-key " + p + ": cannot read it: " + FileErrors.reason(e));
      } catch (dev.arbiter.core.crypto.KeyFormatException e) {
        throw CliFailure.badInput("--policy-key " + p + ": not a public key: " + e.getMessage());
      }
    }
    try {
      return PolicyBundles.loadSigned(signedBundle, trusted);
    } catch (BundleVerificationException e) {
      throw CliFailure.verification("refusing to start: " + signedBundle + " does not verify: " + e.getMessage());
    } catch (BundleReadException e) {
      throw CliFailure.badInput("refusing to start: " + e.getMessage());
    } catch (PolicyCompilationException e) {
      throw CliFailure.verification("refusing to start: " + signedBundle + " has policy errors: " + e.getMessage());
    }
  }

  /** {@code --reverify-every}: 0, or a duration of at least a second. */
  static java.time.Duration interval(String s) {
    if (s != null && s.strip().equals("0")) {
      return java.time.Duration.ZERO;
    }
    java.time.Duration d = DurationOption.parse("--reverify-every", s);
    if (d.compareTo(java.time.Duration.ofSeconds(1)) < 0) {
      throw CliFailure.badInput("--reverify-every " + Text.safe(s) + " is shorter than a second");
    }
    return d;
  }

  /** A running engine over a ledger in a data directory: what `serve` and `quickstart` start. */
  record Embedded(ArbiterServer server, Ledger ledger, Path dataDir, Path ledgerDb, LedgerKeyFile.Loaded key,
      LedgerKeyFile.Loaded engineKey, java.util.Optional<DevIssuer> devIssuer) {
    /**
     * Starts the engine with the development issuer (if one runs) on {@code devIssuerPort}, refusing a
     * ledger that does not verify or no longer contains {@code trusted}.
     */
    static Embedded start(Path dataDir, PolicyBundle bundle, PolicySource source, ServerConfig config,
        IdentityOptions identity, int devIssuerPort, java.util.Optional<Checkpoint> trusted) {
      // The ledger holds request payloads and the keys sign grants: owner-only, or refused.
      Path dir = DataDirectory.prepare(dataDir);
      LedgerKeyFile.Loaded key = LedgerKeyFile.loadOrCreate(dir.resolve("keys"));
      if (source == PolicySource.DEVELOPMENT) {
        bundle = devSigned(bundle, dir);
      }
      LedgerKeyFile.Loaded engineKey = LedgerKeyFile.loadOrCreate(dir.resolve("keys"), "engine");
      IdentityOptions.Mapping mapping = identity.mapping();
      DevIssuer local = null;
      java.net.URI issuer = identity.issuer;
      if (issuer == null) {
        if (!dev.arbiter.http.Loopback.isLoopback(config.host())) {
          throw CliFailure.badInput("refusing to run the development issuer behind a listener on " + config.host()
              + ": beyond loopback, give --oidc-issuer URL and --identity FILE");
        }
        local = new DevIssuer(dir.resolve("dev-issuer"), identity.audience, System.getenv(), Clock.systemUTC());
        try {
          local.start(devIssuerPort);
        } catch (dev.arbiter.server.identity.DevIssuerRefusedException e) {
          // The message says what was refused and why; the hint is for both commands that get here.
          throw CliFailure.badInput(e.getMessage() + " (`arbiter serve --oidc-issuer URL --identity FILE` uses a real"
              + " identity provider; `arbiter quickstart` runs on development settings only)");
        } catch (IOException e) {
          throw CliFailure.unavailable("cannot start the development issuer: " + e.getMessage(), e);
        }
        issuer = local.issuer();
      }
      var authenticator = new dev.arbiter.server.identity.DiscoveringAuthenticator(identity.config(issuer, mapping),
          Clock.systemUTC(), java.time.Duration.ofSeconds(5));
      var security = dev.arbiter.server.config.SecurityConfig.of(authenticator, engineKey.key(), mapping.classDomains());
      Path db = dir.resolve("ledger.db");
      Ledger ledger = openLedger(db, key);
      try {
        return new Embedded(ArbiterServer.start(config, ledger, bundle, source, Clock.systemUTC(), security, trusted), ledger, dir, db,
            key, engineKey, java.util.Optional.ofNullable(local));
      } catch (dev.arbiter.server.engine.PolicyActivation.Refused e) {
        ledger.close();
        closeQuietly(local);
        throw CliFailure.verification("refusing to start: " + e.getMessage());
      } catch (dev.arbiter.server.engine.StartupVerification.Failed e) {
        ledger.close();
        closeQuietly(local);
        throw CliFailure.verification("refusing to start: the ledger " + db + " fails verification: " + e.getMessage()
            + " (arbiter ledger verify --db " + db + " --key " + dir.resolve("keys/ledger.pub") + " names it too)");
      } catch (Exception e) {
        ledger.close();
        closeQuietly(local);
        throw CliFailure.unavailable("cannot start the server: " + e.getMessage(), e);
      }
    }

    private static void closeQuietly(DevIssuer issuer) {
      if (issuer != null) {
        issuer.close();
      }
    }

    /**
     * The engine only runs verified, signed bundles: a development bundle is signed with a policy
     * key generated in the data directory ({@code keys/policy-dev.key}), written beside it for
     * auditors ({@code policy-dev.signed}), then verified and compiled from those exact bytes. The
     * file is written to a fresh temporary file (0600, O_EXCL) and renamed over the old one, so a
     * symlink planted at {@code policy-dev.signed} is replaced, never followed.
     */
    static PolicyBundle devSigned(PolicyBundle fromDirectory, Path dir) {
      LedgerKeyFile.Loaded policyKey = LedgerKeyFile.loadOrCreate(dir.resolve("keys"), "policy-dev");
      byte[] signed = dev.arbiter.core.policy.SignedBundles.sign(fromDirectory, policyKey.key());
      try {
        Path tmp = Files.createTempFile(dir, ".policy-dev", ".tmp");
        try {
          Files.write(tmp, signed);
          Files.move(tmp, dir.resolve("policy-dev.signed"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
              java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
          Files.deleteIfExists(tmp);
        }
        return PolicyBundles.compile(dev.arbiter.core.policy.SignedBundles.verify(signed,
            Set.of(policyKey.key().verifyingKey())));
      } catch (IOException e) {
        throw CliFailure.unavailable("cannot write " + dir.resolve("policy-dev.signed") + ": " + e.getMessage(), e);
      } catch (BundleVerificationException | BundleReadException | PolicyCompilationException e) {
        throw CliFailure.verification("the development bundle does not verify after signing: " + e.getMessage());
      }
    }

    /** Stops the listener, then closes the ledger and the development issuer. */
    void stop() {
      server.close();
      ledger.close();
      devIssuer.ifPresent(DevIssuer::close);
    }
  }

  /**
   * The writer's own checks refused the ledger: what `arbiter ledger verify` names is said too (the
   * writer's message, "the Merkle tree rebuilt from the stored entries … has root …", names no entry).
   */
  private static CliFailure refusal(Path db, LedgerKeyFile.Loaded key, String writerSays) {
    String named;
    try (SqliteLedgerStore ro = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
      new dev.arbiter.ledger.verify.LedgerVerifier(ro, key.key().verifyingKey(), null, n -> {}).verify();
      named = "";
    } catch (dev.arbiter.ledger.verify.LedgerVerificationException e) {
      named = "; first bad entry: " + dev.arbiter.server.engine.StartupVerification.describe(e.failure());
    } catch (LedgerStoreException | RuntimeException e) {
      named = "";
    }
    return CliFailure.verification("refusing to start: the ledger fails verification: " + writerSays + named);
  }

  private static Ledger openLedger(Path db, LedgerKeyFile.Loaded key) {
    SqliteLedgerStore store;
    try {
      store = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.CREATE_IF_MISSING);
    } catch (NotALedgerException e) {
      throw CliFailure.badInput(e.getMessage());
    } catch (dev.arbiter.ledger.store.CorruptLedgerException e) {
      // tampered storage (an altered schema, a planted trigger) is an integrity failure, not an outage:
      // exit 1, which a supervisor must not treat as transient and restart on
      throw refusal(db, key, e.getMessage());
    } catch (LedgerStoreException e) {
      throw CliFailure.unavailable(e.getMessage(), e);
    }
    try {
      return Ledger.open(store, key.key(), Clock.systemUTC(), LedgerOptions.defaults());
    } catch (LedgerIntegrityException | dev.arbiter.ledger.store.CorruptLedgerException e) {
      store.close();
      throw refusal(db, key, e.getMessage());
    } catch (LedgerStoreException e) {
      store.close();
      throw CliFailure.unavailable(e.getMessage(), e);
    }
  }
}
