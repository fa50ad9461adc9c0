package dev.arbiter.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import dev.arbiter.core.approval.Challenge;
import dev.arbiter.core.authority.AuthorityLevel;
import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.decision.DecisionRequest;
import dev.arbiter.core.decision.DecisionRequests;
import dev.arbiter.core.decision.DecisionStatus;
import dev.arbiter.core.policy.PolicyBundle;
import dev.arbiter.core.policy.PolicyBundles;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.LedgerOptions;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import dev.arbiter.server.ArbiterServer;
import dev.arbiter.server.config.SecurityConfig;
import dev.arbiter.server.config.ServerConfig;
import dev.arbiter.server.engine.ApprovalSubmission;
import dev.arbiter.server.engine.DecisionEngine;
import dev.arbiter.server.engine.DecisionState;
import dev.arbiter.server.engine.IdempotencyKey;
import dev.arbiter.server.identity.Authenticator;
import dev.arbiter.server.identity.DevIssuer;
import dev.arbiter.server.identity.IdentityConfig;
import dev.arbiter.server.identity.Principal;
import dev.arbiter.server.identity.TokenVerifier;
import dev.arbiter.server.identity.VerifiedTokenCache;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Approval throughput through the real verification path: an in-process engine over a durable SQLite
 * ledger, a real development OIDC issuer (ES256 tokens, discovery and JWKS over loopback HTTP), 400
 * approvers (role {@code supervisor} → L2 in all domains) each with an enrolled Ed25519 key, and
 * pending production deploys that need two approvals.
 *
 * <pre>
 * java -cp arbiter-bench/target/benchmarks.jar dev.arbiter.bench.ApprovalLoadBench \
 *     [--mode inprocess|http|both] [--approvals 20000] [--concurrency 64] [--approvers 400] [--token-cache on|off] [--raw on|off]
 * </pre>
 *
 * <p>One approval = what two API requests do: {@code authenticate(token)} + {@code
 * approvals().challenge(...)}, then the approver signs the challenge (Ed25519, client side), then
 * {@code authenticate(token)} + {@code approvals().approve(...)}: key lookup, signature, challenge and
 * nonce, decision state, level and domain, then one ledger transaction ({@code approval.added}, and
 * for the second approval {@code enforcement.result}) and, for the second, the grant. {@code http}
 * does the same as {@code POST /v1/decisions/{id}/challenge} + {@code POST .../approvals} over
 * loopback. Closed loop: {@code --concurrency} virtual threads, each doing one approval after the
 * other. Approvals are ordered so that the first pass gives every decision its first approval and the
 * second pass completes them (no two concurrent approvals of one decision). The engine's per-approver
 * and per-decision rate limits are raised to 1,000,000/min ({@link SecurityConfig#withRateLimits}).
 *
 * <p>Also measured in the same run, single thread: the raw Ed25519 verify rate (the approval
 * signature), the raw ES256 verify rate of a dev-issuer token (Nimbus {@code ECDSAVerifier} over the
 * JDK), and full token verification with and without the verified-token cache.
 */
public final class ApprovalLoadBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DEPLOY = """
      {"action": {"class": "deploy", "tool": "deployer", "intent": "release checkout 1.42.0",
                  "target": {"type": "service", "id": "checkout"},
                  "payload": {"image": "registry.internal/checkout:1.42.0", "change_ticket": "CHG-2291"}},
       "context": {"actor": {"id": "agent-7"}, "environment": "production"}}""";
  private static final String RATIONALE = "reviewed the change ticket";

  private ApprovalLoadBench() {}

  record Approver(String subject, String token, SigningKey key) {}

  public static void main(String[] args) throws Exception {
    String mode = arg(args, "--mode", "both");
    int approvals = Integer.parseInt(arg(args, "--approvals", "20000"));
    int concurrency = Integer.parseInt(arg(args, "--concurrency", "64"));
    int approverCount = Integer.parseInt(arg(args, "--approvers", "400"));
    boolean tokenCache = !arg(args, "--token-cache", "on").equals("off");
    int warmup = Integer.parseInt(arg(args, "--warmup", "4000"));
    Path dir = Path.of(arg(args, "--data-dir", Files.createTempDirectory("arbiter-approvals").toString()));
    PolicyBundle bundle = PolicyBundles.loadDirectory(Path.of(arg(args, "--bundle", "examples/policy")));
    SecureRandom random = new SecureRandom();
    Clock clock = Clock.systemUTC();

    Ledger ledger = Ledger.open(SqliteLedgerStore.open(dir.resolve("ledger.db"), SqliteLedgerStore.Mode.CREATE_IF_MISSING),
        SigningKey.generate(KeyAlgorithm.ED25519, random), clock, LedgerOptions.defaults());
    DevIssuer issuer = new DevIssuer(dir.resolve("issuer"), "arbiter", Map.of(), clock).start(0);
    IdentityConfig identity = IdentityConfig.of(issuer.issuer(), "arbiter", "roles",
        Map.of("supervisor", AuthorityLevel.L2), Map.of("supervisor", Set.of(IdentityConfig.ALL_DOMAINS)));
    TokenVerifier verifier = TokenVerifier.discover(identity, clock, HttpClient.newHttpClient(),
        tokenCache ? VerifiedTokenCache.DEFAULTS : VerifiedTokenCache.DISABLED);
    SecurityConfig security = SecurityConfig.of(verifier, SigningKey.generate(KeyAlgorithm.ED25519, random),
        Map.of("deploy", "infra")).withRateLimits(1_000_000, 1_000_000);
    ArbiterServer server = ArbiterServer.start(ServerConfig.defaults().withAddress("127.0.0.1", 0), ledger, bundle,
        ArbiterServer.PolicySource.DEVELOPMENT, clock, security);
    DecisionEngine engine = server.engine();
    Authenticator auth = security.authenticator();
    String url = "http://127.0.0.1:" + server.port();
    try {
      System.out.printf(Locale.ROOT, "machine: %d cpus, load average %s; JDK %s; token cache %s%n",
          Runtime.getRuntime().availableProcessors(), loadAverage(), Runtime.version(), tokenCache ? "on" : "off");
      List<Approver> approvers = new ArrayList<>();
      for (int i = 0; i < approverCount; i++) {
        String subject = String.format(Locale.ROOT, "approver-%04d", i);
        String token = issuer.mint(subject, List.of("supervisor"), Duration.ofHours(1));
        SigningKey key = SigningKey.generate(KeyAlgorithm.ED25519, random);
        var caller = auth.authenticate(token);
        String pem = key.verifyingKey().toSpkiPem();
        engine.keys().enrol(caller, pem, dev.arbiter.core.approval.EnrolmentProof.sign(engine.keys().statement(caller, pem), key)
            .toJson());
        approvers.add(new Approver(subject, token, key));
      }
      if (!arg(args, "--raw", "on").equals("off")) {
        rawRates(issuer, identity, clock, approvers.get(0));
      }

      if (!mode.equals("http")) {
        if (warmup > 0) {
          System.out.println("warm-up " + inProcess(engine, auth, approvers, pending(engine, warmup / 2), concurrency)
              .render("inprocess"));
        }
        System.out.println(inProcess(engine, auth, approvers, pending(engine, approvals / 2), concurrency).render("inprocess"));
      }
      if (!mode.equals("inprocess")) {
        if (warmup > 0) {
          System.out.println("warm-up " + overHttp(url, approvers, pending(engine, warmup / 2), concurrency).render("http"));
        }
        System.out.println(overHttp(url, approvers, pending(engine, approvals / 2), concurrency).render("http"));
      }
      System.out.printf(Locale.ROOT, "load average after: %s%n", loadAverage());
    } finally {
      server.close();
      ledger.close();
      issuer.close();
    }
  }

  /** Creates {@code n} pending production deploys (concurrently, through the engine). */
  static List<String> pending(DecisionEngine engine, int n) throws Exception {
    DecisionRequest request = DecisionRequests.parse(DEPLOY.getBytes(StandardCharsets.UTF_8));
    String[] ids = new String[n];
    AtomicInteger next = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 128; t++) {
      threads.add(Thread.ofVirtual().start(() -> {
        for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
          try {
            DecisionState d = engine.submit(request, IdempotencyKey.of(UUID.randomUUID().toString()),
                request.context().actorId().orElseThrow()).decision();
            if (d.status() != DecisionStatus.PENDING_AUTHORITY) {
              throw new IllegalStateException("expected pending_authority, got " + d.status());
            }
            ids[i] = d.id();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
      }));
    }
    for (Thread t : threads) {
      t.join();
    }
    return Arrays.asList(ids);
  }

  /** One approval's work; returns a failure label or null. */
  interface ApprovalCall {
    String run(String decisionId, Approver approver) throws Exception;
  }

  static Result inProcess(DecisionEngine engine, Authenticator auth, List<Approver> approvers, List<String> decisions,
      int concurrency) throws InterruptedException {
    return closedLoop(approvers, decisions, concurrency, (id, a) -> {
      Principal p = auth.authenticate(a.token());
      Challenge c = engine.approvals().challenge(p, id, Challenge.APPROVE).challenge();
      byte[] sig = a.key().sign(c.signingInput());
      Principal again = auth.authenticate(a.token());
      engine.approvals().approve(again, id, new ApprovalSubmission(c, a.key().keyId(), sig, Optional.of(RATIONALE)));
      return null;
    });
  }

  static Result overHttp(String url, List<Approver> approvers, List<String> decisions, int concurrency)
      throws InterruptedException {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    return closedLoop(approvers, decisions, concurrency, (id, a) -> {
      HttpResponse<String> ch = client.send(post(url + "/v1/decisions/" + id + "/challenge", a.token(),
          "{\"intent\": \"approve\"}"), HttpResponse.BodyHandlers.ofString());
      if (ch.statusCode() != 201) {
        return "challenge http " + ch.statusCode();
      }
      JsonNode issued = JSON.readTree(ch.body());
      byte[] input = Base64.getDecoder().decode(issued.get("signing_input").asText());
      ObjectNode body = JSON.createObjectNode();
      body.set("challenge", issued.get("challenge"));
      body.put("key_id", a.key().keyId().value()).put("signature", Base64.getEncoder().encodeToString(a.key().sign(input)))
          .put("rationale", RATIONALE);
      HttpResponse<Void> ap = client.send(post(url + "/v1/decisions/" + id + "/approvals", a.token(), body.toString()),
          HttpResponse.BodyHandlers.discarding());
      return ap.statusCode() == 200 ? null : "approval http " + ap.statusCode();
    });
  }

  private static HttpRequest post(String uri, String token, String body) {
    return HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
        .header("Idempotency-Key", UUID.randomUUID().toString())
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  /**
   * Approval k goes to decision {@code k mod n} with approver {@code (2·(k mod n) + k div n) mod
   * approvers}: two distinct approvers per decision, the first pass over all decisions before the
   * second.
   */
  static Result closedLoop(List<Approver> approvers, List<String> decisions, int concurrency, ApprovalCall call)
      throws InterruptedException {
    int n = decisions.size();
    int total = 2 * n;
    long[] latency = new long[total];
    AtomicInteger next = new AtomicInteger();
    AtomicLong ok = new AtomicLong();
    Map<String, Long> failures = new ConcurrentHashMap<>();
    CountDownLatch done = new CountDownLatch(concurrency);
    long start = System.nanoTime();
    for (int t = 0; t < concurrency; t++) {
      Thread.ofVirtual().start(() -> {
        try {
          for (int k = next.getAndIncrement(); k < total; k = next.getAndIncrement()) {
            int decision = k % n;
            Approver a = approvers.get((2 * decision + k / n) % approvers.size());
            long t0 = System.nanoTime();
            String failure;
            try {
              failure = call.run(decisions.get(decision), a);
            } catch (Exception e) {
              failure = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            latency[k] = System.nanoTime() - t0;
            if (failure == null) {
              ok.incrementAndGet();
            } else {
              failures.merge(failure.length() > 120 ? failure.substring(0, 120) : failure, 1L, Long::sum);
            }
          }
        } finally {
          done.countDown();
        }
      });
    }
    done.await();
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Result(total, ok.get(), seconds, latency, new TreeMap<>(failures), concurrency);
  }

  record Result(long attempted, long ok, double seconds, long[] latencyNanos, Map<String, Long> failures, int concurrency) {
    String render(String mode) {
      long[] l = latencyNanos.clone();
      Arrays.sort(l);
      return String.format(Locale.ROOT,
          "mode=%s concurrency=%d approvals=%d ok=%d in %.2fs: %.0f approvals/s p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms",
          mode, concurrency, attempted, ok, seconds, ok / seconds, pct(l, 0.50), pct(l, 0.90), pct(l, 0.99),
          l.length == 0 ? 0 : l[l.length - 1] / 1e6) + (failures.isEmpty() ? "" : " failures=" + failures);
    }
  }

  static double pct(long[] sorted, double p) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
  }

  /** Single-thread rates of the primitives on the approval path, measured in this run. */
  static void rawRates(DevIssuer issuer, IdentityConfig identity, Clock clock, Approver approver) throws Exception {
    byte[] message = new byte[160];
    new SecureRandom().nextBytes(message);
    byte[] sig = approver.key().sign(message);
    var vk = approver.key().verifyingKey();
    double ed = rate(() -> vk.verify(message, sig));

    SignedJWT jwt = SignedJWT.parse(approver.token());
    String jwks = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(issuer.issuer() + "/jwks")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    ECKey ec = JWKSet.parse(jwks).getKeys().get(0).toECKey();
    double es = rate(() -> {
      if (!jwt.verify(new ECDSAVerifier(ec))) {
        throw new IllegalStateException("ES256 did not verify");
      }
    });
    TokenVerifier uncached = TokenVerifier.discover(identity, clock, HttpClient.newHttpClient(), VerifiedTokenCache.DISABLED);
    double full = rate(() -> uncached.verify(approver.token()));
    TokenVerifier cached = TokenVerifier.discover(identity, clock, HttpClient.newHttpClient(), VerifiedTokenCache.DEFAULTS);
    double hit = rate(() -> cached.verify(approver.token()));
    System.out.printf(Locale.ROOT,
        "raw single-thread: ed25519 verify (BouncyCastle, arbiter VerifyingKey) %.0f/s; es256 verify (Nimbus ECDSAVerifier, JDK)"
            + " %.0f/s; TokenVerifier.verify uncached %.0f/s; cached hit %.0f/s%n", ed, es, full, hit);
  }

  interface Op {
    void run() throws Exception;
  }

  /** Ops per second of {@code op} on this thread: 1 s warm-up, then 2 s measured. */
  static double rate(Op op) throws Exception {
    long end = System.nanoTime() + 1_000_000_000L;
    while (System.nanoTime() < end) {
      op.run();
    }
    long start = System.nanoTime();
    end = start + 2_000_000_000L;
    long n = 0;
    long now;
    do {
      op.run();
      n++;
      now = System.nanoTime();
    } while (now < end);
    return n / ((now - start) / 1e9);
  }

  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  static String arg(String[] args, String name, String fallback) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }
}
