package dev.arbiter.bench;

import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.policy.PolicyBundle;
import dev.arbiter.core.policy.PolicyBundles;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.LedgerOptions;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import dev.arbiter.server.ArbiterServer;
import dev.arbiter.server.config.ServerConfig;
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
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop HTTP load on loopback: request i is due at {@code start + i/rate}, sent then whatever the
 * earlier ones are doing, and its latency is measured from that scheduled time (so a stalled server
 * shows up as latency instead of silently lowering the rate: no coordinated omission).
 *
 * <pre>
 * java -cp arbiter-bench/target/benchmarks.jar dev.arbiter.bench.DecisionLoadBench \
 *     --mode decisions|hello --rate 2500 --seconds 10 [--warmup 3 --warmup-rate R] [--url http://host:port] [--data-dir DIR]
 * </pre>
 *
 * {@code decisions}: POST /v1/decisions, the low-risk auto-allow path (a dev read), a fresh
 * Idempotency-Key per request, against an in-process server over a durable SQLite ledger in a
 * temporary directory (or {@code --url}). {@code hello}: GET / on a plain Javalin hello world with the
 * same settings (virtual threads), the ceiling of the HTTP stack on this machine. A warm-up run
 * (default 3 s at the same rate, reported separately) comes first. The generator shares the JVM and
 * the two cores with the server: numbers are a floor for the server alone.
 */
public final class DecisionLoadBench {
  private static final String BODY = "{\"action\":{\"class\":\"read\",\"tool\":\"x\",\"intent\":\"bench\",\"target\":"
      + "{\"type\":\"service\",\"id\":\"s1\"},\"payload\":{}},\"context\":{\"actor\":{\"id\":\"agent_bench\"},\"environment\":\"dev\"}}";

  private DecisionLoadBench() {}

  /** The bearer token of the in-process run (an external --url run reads ARBITER_TOKEN). */
  private static volatile String token;

  public static void main(String[] args) throws Exception {
    String mode = arg(args, "--mode", "decisions");
    int rate = Integer.parseInt(arg(args, "--rate", "2500"));
    int seconds = Integer.parseInt(arg(args, "--seconds", "10"));
    String url = arg(args, "--url", null);
    if (!mode.equals("decisions") && !mode.equals("hello")) {
      throw new IllegalArgumentException("--mode decisions|hello");
    }
    AutoCloseable target = null;
    if (url == null) {
      if (mode.equals("hello")) {
        Javalin app = Javalin.create(c -> {
          c.showJavalinBanner = false;
          c.useVirtualThreads = true;
        }).get("/", ctx -> ctx.result("hello")).start("127.0.0.1", 0);
        url = "http://127.0.0.1:" + app.port();
        target = app::stop;
      } else {
        Path dir = Path.of(arg(args, "--data-dir", Files.createTempDirectory("arbiter-load").toString()));
        PolicyBundle bundle = PolicyBundles.loadDirectory(Path.of(arg(args, "--bundle", "examples/policy")));
        Ledger ledger = Ledger.open(SqliteLedgerStore.open(dir.resolve("ledger.db"), SqliteLedgerStore.Mode.CREATE_IF_MISSING),
            SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom()), Clock.systemUTC(), LedgerOptions.defaults());
        // A real OIDC issuer (the development one) and a real token check on every request.
        dev.arbiter.server.identity.DevIssuer issuer = new dev.arbiter.server.identity.DevIssuer(dir.resolve("issuer"),
            "arbiter", java.util.Map.of(), Clock.systemUTC()).start(0);
        var identity = dev.arbiter.server.identity.IdentityConfig.of(issuer.issuer(), "arbiter", "roles", java.util.Map.of(),
            java.util.Map.of());
        var security = dev.arbiter.server.config.SecurityConfig.of(
            dev.arbiter.server.identity.TokenVerifier.discover(identity, Clock.systemUTC()),
            SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom()), java.util.Map.of());
        token = issuer.mint("agent_bench", java.util.List.of(), Duration.ofHours(1));
        ArbiterServer server = ArbiterServer.start(ServerConfig.defaults().withAddress("127.0.0.1", 0), ledger, bundle,
            ArbiterServer.PolicySource.DEVELOPMENT, Clock.systemUTC(), security);
        url = "http://127.0.0.1:" + server.port();
        target = () -> {
          server.close();
          ledger.close();
          issuer.close();
        };
      }
    }
    try {
      int warmup = Integer.parseInt(arg(args, "--warmup", "3"));
      int warmupRate = Integer.parseInt(arg(args, "--warmup-rate", Integer.toString(rate)));
      if (warmup > 0) {
        System.out.println("warm-up " + run(mode, url, warmupRate, warmup).render(mode, warmupRate, warmup));
      }
      Result r = run(mode, url, rate, seconds);
      System.out.println(r.render(mode, rate, seconds));
    } finally {
      if (target != null) {
        target.close();
      }
    }
  }

  record Result(long sent, long ok, long failed, double seconds, long[] latencyNanos, java.util.Map<String, Long> failures) {
    String render(String mode, int rate, int duration) {
      long[] l = latencyNanos.clone();
      Arrays.sort(l);
      return String.format(Locale.ROOT,
          "mode=%s target=%d/s duration=%ds sent=%d ok=%d failed=%d achieved=%.0f/s p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms",
          mode, rate, duration, sent, ok, failed, ok / seconds, pct(l, 0.50), pct(l, 0.90), pct(l, 0.99),
          l.length == 0 ? 0 : l[l.length - 1] / 1e6) + (failures.isEmpty() ? "" : " failures=" + failures);
    }

    private static double pct(long[] sorted, double p) {
      return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }
  }

  static Result run(String mode, String url, int rate, int seconds) throws InterruptedException {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    int total = rate * seconds;
    long[] latency = new long[total];
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    java.util.Map<String, Long> failures = new java.util.concurrent.ConcurrentHashMap<>();
    CountDownLatch done = new CountDownLatch(total);
    long interval = TimeUnit.SECONDS.toNanos(1) / rate;
    long start = System.nanoTime();
    String runId = Long.toString(start, 36);
    for (int i = 0; i < total; i++) {
      long due = start + i * interval;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      HttpRequest request = mode.equals("hello")
          ? HttpRequest.newBuilder(URI.create(url + "/")).timeout(Duration.ofSeconds(30)).GET().build()
          : HttpRequest.newBuilder(URI.create(url + "/v1/decisions")).timeout(Duration.ofSeconds(30))
              .header("Content-Type", "application/json").header("Idempotency-Key", "load-" + runId + "-" + i)
              .header("Authorization", "Bearer " + (token == null ? System.getenv().getOrDefault("ARBITER_TOKEN", "") : token))
              .POST(HttpRequest.BodyPublishers.ofString(BODY)).build();
      int index = i;
      int expected = mode.equals("hello") ? 200 : 201;
      client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((res, err) -> {
        latency[index] = System.nanoTime() - due;
        if (err == null && res.statusCode() == expected) {
          ok.incrementAndGet();
        } else {
          failed.incrementAndGet();
          failures.merge(err == null ? "http " + res.statusCode() : (err.getCause() == null ? err : err.getCause()).getClass().getSimpleName(), 1L, Long::sum);
        }
        done.countDown();
      });
    }
    done.await(60, TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - start) / 1e9;
    return new Result(total, ok.get(), failed.get(), elapsed, latency, new java.util.TreeMap<>(failures));
  }

  private static String arg(String[] args, String name, String fallback) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }
}
