package dev.arbiter.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.decision.Target;
import dev.arbiter.core.grant.Grant;
import dev.arbiter.core.grant.GrantCodec;
import dev.arbiter.core.id.Ulid;
import dev.arbiter.gateway.GatewayConfig;
import dev.arbiter.gateway.GatewayServer;
import dev.arbiter.gateway.ToolRoute;
import dev.arbiter.gateway.execution.ExecutionRecorder;
import dev.arbiter.gateway.execution.RecorderException;
import dev.arbiter.ledger.AppendedEvent;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.LedgerOptions;
import dev.arbiter.ledger.event.Actor;
import dev.arbiter.ledger.event.EventDraft;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Gateway executions, open loop on loopback: {@code POST /tools/deployer} with a fresh valid grant
 * per call through a real {@link GatewayServer} (offline grant check: engine signature, validity,
 * ledger receipt with checkpoint signature and inclusion proof; payload match; burn in the durable
 * SQLite burn store; {@code execution.started} durable on a real ledger; forward with a signed
 * gateway proof to the tool; {@code execution.confirmed} durable on the ledger), and in the same run
 * the same rate sent straight to the same trivial upstream (a Javalin endpoint answering {@code
 * {}}), so that the gateway-added latency is the difference of the two.
 *
 * <pre>
 * java -cp arbiter-bench/target/benchmarks.jar dev.arbiter.bench.GatewayLoadBench \
 *     [--rate 5000] [--seconds 10] [--warmup 3] [--data-dir DIR]
 * java -cp arbiter-bench/target/benchmarks.jar dev.arbiter.bench.GatewayLoadBench --serve 120 --grants 300000 --data-dir DIR
 * </pre>
 *
 * <p>{@code --serve S}: mint the grants, write them to {@code DIR/grants.txt} (one per line) and the
 * body to {@code DIR/body.json}, start upstream and gateway, print their ports and stay up S seconds,
 * for an external generator ({@code wrk} with {@code arbiter-bench/wrk/gateway.lua}). The in-JVM
 * generator (the JDK {@code HttpClient}, one connection per call in flight) cannot offer 5,000/s on
 * two shared cores beside the gateway: use {@code --serve} with wrk for the gateway numbers.
 *
 * <p>Grants are minted before the run the way the engine mints them: one {@code decision.evaluated}
 * event appended to the ledger per grant (its receipt goes into the grant), signed with the engine
 * key. The recorder stands in for the engine's {@code /v1/executions} as the gateway tests' {@code
 * LedgerRecorder} does: it appends real events to the real ledger (durable SQLite: acknowledged after
 * fsync) on the grant's decision stream and returns only once the append is confirmed;
 * it looks the grant's claims up in the minted set instead of verifying the grant a second time (the
 * engine's own checks are not the gateway's cost). Latency is measured from each call's scheduled
 * send time (no coordinated omission). Everything (load generator, gateway, ledger, upstream) shares
 * one JVM and the machine's cores.
 */
public final class GatewayLoadBench {
  private static final SecureRandom RANDOM = new SecureRandom();

  private GatewayLoadBench() {}

  /** The recorder: real ledger appends, waiting for durability. */
  static final class LedgerRecorder implements ExecutionRecorder {
    private final Ledger ledger;
    private final Map<String, Grant> minted;

    LedgerRecorder(Ledger ledger, Map<String, Grant> minted) {
      this.ledger = ledger;
      this.minted = minted;
    }

    @Override
    public Started started(String grantCompact, String attempt) throws RecorderException {
      Grant g = grant(grantCompact);
      String executionId = "exe_" + Ulid.system().next();
      AppendedEvent e = append(g, "execution.started", JsonNodeFactory.instance.objectNode().put("grant_id", g.grantId())
          .put("execution_id", executionId).put("attempt", attempt));
      // What the engine answers: the gateway checks this receipt before forwarding, as in production.
      return new Started(executionId, e.receipt().toJson(), e.envelope().toJson());
    }

    /** The give-up appended as the engine records it when no start of the grant is on the ledger. */
    @Override
    public void abandoned(String grantCompact, String attempt) throws RecorderException {
      Grant g = grant(grantCompact);
      append(g, "execution.abandoned", JsonNodeFactory.instance.objectNode().put("grant_id", g.grantId())
          .put("attempt", attempt).put("reason", "start_not_confirmed"));
    }

    @Override
    public void finished(String grantCompact, String executionId, boolean confirmed, int upstreamStatus, long durationMs,
        String responseHash, String failure) throws RecorderException {
      Grant g = grant(grantCompact);
      append(g, confirmed ? "execution.confirmed" : "execution.failed", JsonNodeFactory.instance.objectNode()
          .put("grant_id", g.grantId()).put("execution_id", executionId).put("upstream_status", upstreamStatus)
          .put("duration_ms", durationMs).put("response_hash", responseHash));
    }

    private Grant grant(String compact) throws RecorderException {
      Grant g = minted.get(compact);
      if (g == null) {
        throw new RecorderException("not a grant minted by this bench");
      }
      return g;
    }

    private AppendedEvent append(Grant g, String type, ObjectNode payload) throws RecorderException {
      try {
        return ledger.append(new EventDraft(g.decisionId(), type, g.policyHash(), new Actor("gateway", "arbiter-gateway"), payload))
            .join();
      } catch (CompletionException e) {
        throw new RecorderException("ledger append failed: " + e.getCause(), e);
      }
    }
  }

  public static void main(String[] args) throws Exception {
    int rate = Integer.parseInt(arg(args, "--rate", "5000"));
    int seconds = Integer.parseInt(arg(args, "--seconds", "10"));
    int warmup = Integer.parseInt(arg(args, "--warmup", "3"));
    Path dir = Path.of(arg(args, "--data-dir", Files.createTempDirectory("arbiter-gateway-load").toString()));
    SigningKey engineKey = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);
    SigningKey ledgerKey = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);
    SigningKey gatewayKey = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);
    Ledger ledger = Ledger.open(SqliteLedgerStore.open(dir.resolve("ledger.db"), SqliteLedgerStore.Mode.CREATE_IF_MISSING),
        ledgerKey, Clock.systemUTC(), LedgerOptions.defaults());

    ObjectNode payload = JsonNodeFactory.instance.objectNode().put("service", "checkout").put("version", "1.42.0");
    payload.putArray("regions").add("eu-west-1").add("us-east-1");
    byte[] body = CanonicalJson.encode(payload);

    Javalin upstream = Javalin.create(c -> {
      c.showJavalinBanner = false;
      c.useVirtualThreads = true;
    }).post("/execute", ctx -> ctx.contentType("application/json").result("{}")).start("127.0.0.1", 0);
    URI upstreamUri = URI.create("http://127.0.0.1:" + upstream.port() + "/execute");

    System.out.printf(Locale.ROOT, "machine: %d cpus, load average %s; JDK %s%n",
        Runtime.getRuntime().availableProcessors(), ApprovalLoadBench.loadAverage(), Runtime.version());
    int needed = Integer.parseInt(arg(args, "--grants", Integer.toString(rate * (seconds + warmup))));
    long t0 = System.nanoTime();
    Map<String, Grant> minted = new ConcurrentHashMap<>();
    List<String> grants = mint(ledger, engineKey, payload, needed, minted);
    System.out.printf(Locale.ROOT, "minted %d grants in %.1fs%n", grants.size(), (System.nanoTime() - t0) / 1e9);

    var vk = engineKey.verifyingKey();
    byte[] msg = new byte[200];
    RANDOM.nextBytes(msg);
    byte[] sig = engineKey.sign(msg);
    System.out.printf(Locale.ROOT, "raw single-thread ed25519 verify (BouncyCastle, arbiter VerifyingKey): %.0f/s%n",
        ApprovalLoadBench.rate(() -> vk.verify(msg, sig)));

    GatewayConfig config = new GatewayConfig("127.0.0.1", 0,
        List.of(new ToolRoute("deployer", upstreamUri, Set.of("deploy"), Duration.ofSeconds(10))),
        List.of(engineKey.verifyingKey()), ledgerKey.verifyingKey(), gatewayKey, dir.resolve("burned.db"),
        new LedgerRecorder(ledger, minted), Clock.systemUTC(), Duration.ofSeconds(30));
    GatewayServer gateway = GatewayServer.start(config);
    URI gatewayUri = URI.create("http://127.0.0.1:" + gateway.port() + "/tools/deployer");
    String serve = arg(args, "--serve", null);
    if (serve != null) {
      // External load generator mode (wrk): grants one per line, the body, then both ports.
      Files.write(dir.resolve("grants.txt"), grants);
      Files.write(dir.resolve("body.json"), body);
      System.out.printf(Locale.ROOT, "ready gateway=%d upstream=%d grants=%s body=%s%n", gateway.port(), upstream.port(),
          dir.resolve("grants.txt"), dir.resolve("body.json"));
      try {
        Thread.sleep(Duration.ofSeconds(Long.parseLong(serve)));
      } finally {
        System.out.printf(Locale.ROOT, "load average at stop: %s%n", ApprovalLoadBench.loadAverage());
        gateway.close();
        upstream.stop();
        ledger.close();
      }
      return;
    }
    try {
      AtomicInteger cursor = new AtomicInteger();
      if (warmup > 0) {
        System.out.println("warm-up " + run("direct", upstreamUri, null, body, rate, warmup).render());
        System.out.println("warm-up " + run("gateway", gatewayUri, grants.subList(0, rate * warmup), body, rate, warmup)
            .render());
        cursor.set(rate * warmup);
      }
      Result direct = run("direct", upstreamUri, null, body, rate, seconds);
      System.out.println(direct.render());
      Result gw = run("gateway", gatewayUri, grants.subList(cursor.get(), cursor.get() + rate * seconds), body, rate, seconds);
      System.out.println(gw.render());
      Result direct2 = run("direct", upstreamUri, null, body, rate, seconds);
      System.out.println(direct2.render() + " (again, after the gateway run)");
      System.out.printf(Locale.ROOT, "gateway-added latency (gateway − first direct run): p50 %.2f ms, p99 %.2f ms%n",
          gw.pct(0.50) - direct.pct(0.50), gw.pct(0.99) - direct.pct(0.99));
      System.out.printf(Locale.ROOT, "load average after: %s%n", ApprovalLoadBench.loadAverage());
    } finally {
      gateway.close();
      upstream.stop();
      ledger.close();
    }
  }

  /** Mints {@code n} grants as the engine does: a ledgered authorisation each, receipt inside, signed. */
  static List<String> mint(Ledger ledger, SigningKey engineKey, ObjectNode payload, int n, Map<String, Grant> minted)
      throws InterruptedException {
    String[] out = new String[n];
    AtomicInteger next = new AtomicInteger();
    String payloadHash = Grant.payloadHash(payload);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 256; t++) {
      threads.add(Thread.ofVirtual().start(() -> {
        for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
          String decisionId = "dec_" + Ulid.system().next();
          AppendedEvent authorised = ledger.append(new EventDraft(decisionId, "decision.evaluated", "sha256:" + "ab".repeat(32),
              new Actor("arbiter", "system"), JsonNodeFactory.instance.objectNode().put("status", "authorized"))).join();
          byte[] nonce = new byte[16];
          RANDOM.nextBytes(nonce);
          Instant now = Instant.now();
          Grant g = new Grant("gnt_" + Ulid.system().next(), decisionId, "deploy", "deployer", new Target("service", "checkout"),
              "production", payloadHash, "sha256:" + "ab".repeat(32), authorised.receipt().toJson(), now.minusSeconds(5),
              now.plus(Duration.ofMinutes(10)), Base64.getUrlEncoder().withoutPadding().encodeToString(nonce));
          String compact = GrantCodec.sign(g, engineKey);
          minted.put(compact, g);
          out[i] = compact;
        }
      }));
    }
    for (Thread t : threads) {
      t.join();
    }
    return Arrays.asList(out);
  }

  record Result(String mode, int rate, long sent, long ok, double seconds, long[] latencyNanos, Map<String, Long> failures) {
    double pct(double p) {
      long[] l = latencyNanos.clone();
      Arrays.sort(l);
      return ApprovalLoadBench.pct(l, p);
    }

    String render() {
      long[] l = latencyNanos.clone();
      Arrays.sort(l);
      return String.format(Locale.ROOT,
          "mode=%s target=%d/s sent=%d ok=%d achieved=%.0f/s p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms",
          mode, rate, sent, ok, ok / seconds, ApprovalLoadBench.pct(l, 0.50), ApprovalLoadBench.pct(l, 0.90),
          ApprovalLoadBench.pct(l, 0.99), l.length == 0 ? 0 : l[l.length - 1] / 1e6)
          + (failures.isEmpty() ? "" : " failures=" + failures);
    }
  }

  /** Open loop: call i is due at start + i/rate; latency from that due time. {@code grants} null: direct call. */
  static Result run(String mode, URI uri, List<String> grants, byte[] body, int rate, int seconds)
      throws InterruptedException {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    int total = rate * seconds;
    long[] latency = new long[total];
    AtomicLong ok = new AtomicLong();
    Map<String, Long> failures = new ConcurrentHashMap<>();
    CountDownLatch done = new CountDownLatch(total);
    long interval = TimeUnit.SECONDS.toNanos(1) / rate;
    long start = System.nanoTime();
    for (int i = 0; i < total; i++) {
      long due = start + i * interval;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
      if (grants != null) {
        b.header("Arbiter-Grant", grants.get(i));
      }
      int index = i;
      client.sendAsync(b.build(), HttpResponse.BodyHandlers.discarding()).whenComplete((res, err) -> {
        latency[index] = System.nanoTime() - due;
        if (err == null && res.statusCode() == 200) {
          ok.incrementAndGet();
        } else {
          failures.merge(err == null ? "http " + res.statusCode()
              : (err.getCause() == null ? err : err.getCause()).getClass().getSimpleName(), 1L, Long::sum);
        }
        done.countDown();
      });
    }
    done.await(120, TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - start) / 1e9;
    return new Result(mode, rate, total, ok.get(), elapsed, latency, new TreeMap<>(failures));
  }

  private static String arg(String[] args, String name, String fallback) {
    return ApprovalLoadBench.arg(args, name, fallback);
  }
}
