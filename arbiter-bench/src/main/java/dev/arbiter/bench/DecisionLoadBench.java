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
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
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
 * # -Dload.connections=128 (keep-alive connections), -Dload.actor=ID (with --url: the token's subject, token in ARBITER_TOKEN)
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

  /**
   * The generator: {@code connections} keep-alive HTTP/1.1 connections on virtual threads (plain
   * sockets, so the generator costs little CPU beside the server). A scheduler releases request i at
   * its due time into a queue; a free connection takes it. A request that waits for a connection
   * waits on the clock: latency is measured from the due time, not from the send.
   */
  static Result run(String mode, String url, int rate, int seconds) throws InterruptedException {
    int connections = Integer.parseInt(System.getProperty("load.connections", "128"));
    URI base = URI.create(url);
    int total = rate * seconds;
    long[] latency = new long[total];
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    java.util.Map<String, Long> failures = new java.util.concurrent.ConcurrentHashMap<>();
    CountDownLatch done = new CountDownLatch(total);
    java.util.concurrent.LinkedBlockingQueue<long[]> due = new java.util.concurrent.LinkedBlockingQueue<>();
    String runId = Long.toString(System.nanoTime(), 36);
    String tokenValue = token == null ? System.getenv().getOrDefault("ARBITER_TOKEN", "") : token;
    String body = BODY.replace("agent_bench", System.getProperty("load.actor", "agent_bench"));
    byte[] bodyBytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    int expected = mode.equals("hello") ? 200 : 201;
    List<Thread> workers = new java.util.ArrayList<>();
    for (int c = 0; c < connections; c++) {
      workers.add(Thread.ofVirtual().start(() -> {
        java.net.Socket socket = null;
        java.io.InputStream in = null;
        while (true) {
          long[] job;
          try {
            job = due.take();
          } catch (InterruptedException e) {
            break;
          }
          if (job[0] < 0) {
            break;
          }
          int index = (int) job[0];
          try {
            if (socket == null) {
              socket = new java.net.Socket(base.getHost(), base.getPort());
              socket.setTcpNoDelay(true);
              in = new java.io.BufferedInputStream(socket.getInputStream(), 64 * 1024);
            }
            String head = mode.equals("hello")
                ? "GET / HTTP/1.1\r\nHost: " + base.getHost() + "\r\n\r\n"
                : "POST /v1/decisions HTTP/1.1\r\nHost: " + base.getHost() + "\r\nContent-Type: application/json\r\n"
                    + "Authorization: Bearer " + tokenValue + "\r\nIdempotency-Key: load-" + runId + "-" + index
                    + "\r\nContent-Length: " + bodyBytes.length + "\r\n\r\n";
            var out = socket.getOutputStream();
            byte[] h = head.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            if (mode.equals("hello")) {
              out.write(h);
            } else {
              byte[] all = new byte[h.length + bodyBytes.length];
              System.arraycopy(h, 0, all, 0, h.length);
              System.arraycopy(bodyBytes, 0, all, h.length, bodyBytes.length);
              out.write(all);
            }
            out.flush();
            int status = readResponse(in);
            latency[index] = System.nanoTime() - job[1];
            if (status == expected) {
              ok.incrementAndGet();
            } else {
              failed.incrementAndGet();
              failures.merge("http " + status, 1L, Long::sum);
            }
          } catch (java.io.IOException e) {
            latency[index] = System.nanoTime() - job[1];
            failed.incrementAndGet();
            failures.merge(e.getClass().getSimpleName(), 1L, Long::sum);
            try {
              if (socket != null) {
                socket.close();
              }
            } catch (java.io.IOException ignored) {
              // already broken
            }
            socket = null;
          }
          done.countDown();
        }
        if (socket != null) {
          try {
            socket.close();
          } catch (java.io.IOException ignored) {
            // closing anyway
          }
        }
      }));
    }
    long interval = TimeUnit.SECONDS.toNanos(1) / rate;
    long start = System.nanoTime();
    for (int i = 0; i < total; i++) {
      long at = start + i * interval;
      long wait = at - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      due.add(new long[] {i, at});
    }
    done.await(120, TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - start) / 1e9;
    for (int c = 0; c < connections; c++) {
      due.add(new long[] {-1, 0});
    }
    return new Result(total, ok.get(), failed.get(), elapsed, latency, new java.util.TreeMap<>(failures));
  }

  /** Reads one HTTP/1.1 response (Content-Length or chunked body); returns its status. */
  private static int readResponse(java.io.InputStream in) throws java.io.IOException {
    int status = -1;
    long length = 0;
    boolean chunked = false;
    boolean first = true;
    while (true) {
      String l = readLine(in);
      if (l.isEmpty()) {
        break;
      }
      if (first) {
        status = Integer.parseInt(l.substring(9, 12));
        first = false;
      } else if (l.regionMatches(true, 0, "content-length:", 0, 15)) {
        length = Long.parseLong(l.substring(15).trim());
      } else if (l.regionMatches(true, 0, "transfer-encoding:", 0, 18) && l.toLowerCase(Locale.ROOT).contains("chunked")) {
        chunked = true;
      }
    }
    if (!chunked) {
      in.skipNBytes(length);
      return status;
    }
    while (true) {
      long size = Long.parseLong(readLine(in).split(";")[0].trim(), 16);
      if (size == 0) {
        while (!readLine(in).isEmpty()) {
          // trailers
        }
        return status;
      }
      in.skipNBytes(size);
      readLine(in);
    }
  }

  private static String readLine(java.io.InputStream in) throws java.io.IOException {
    StringBuilder line = new StringBuilder();
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        throw new java.io.EOFException("connection closed");
      }
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
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
