package dev.arbiter.cli.ledger;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.cli.CliFailure;
import dev.arbiter.cli.ExitCodes;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.LedgerIntegrityException;
import dev.arbiter.ledger.LedgerOptions;
import dev.arbiter.ledger.event.Actor;
import dev.arbiter.ledger.event.EventDraft;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import dev.arbiter.ledger.verify.LedgerVerificationException;
import dev.arbiter.ledger.verify.LedgerVerifier;
import dev.arbiter.ledger.verify.VerificationReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measure durable appends of N synthetic events, then the verification of the whole ledger.",
      "The events go through the normal, durable append path. Use it to size disks; a fresh --db",
      "path creates a ledger.",
      "Closed loop by default: W concurrent appenders, each waiting for its own",
      "durable receipt. With --rate R: open loop, events offered at R/s whatever",
      "the completions; latency is measured from each event's scheduled time (no",
      "coordinated omission).",
      "A warm-up on a scratch ledger comes first and is not counted (see",
      "--warmup-events).",
      "With --json the last line is one JSON object: events, warmup_events,",
      "seconds, events_per_second, p50_ms, p99_ms, max_ms, verify_entries,",
      "verify_seconds, verify_events_per_second."
    })
public final class LedgerBenchCommand implements Callable<Integer> {
  /** About three seconds of appends here: enough for the JIT to compile the write and verify paths. */
  static final long MAX_DEFAULT_WARMUP = 200_000;

  @Spec CommandSpec spec;

  @Option(names = "--db", required = true, paramLabel = "FILE", description = "Ledger database (created if missing).")
  Path db;

  @Option(names = "--ledger-key", required = true, paramLabel = "KEY", description = "The ledger's private key (PKCS#8 PEM).")
  Path ledgerKey;

  @Option(names = "--events", required = true, paramLabel = "N", description = "Events to append.")
  long events;

  @Option(names = "--payload-bytes", paramLabel = "B", defaultValue = "512", description = "Payload size (default ${DEFAULT-VALUE}).")
  int payloadBytes;

  @Option(names = "--writers", paramLabel = "W", defaultValue = "1", description = "Concurrent appenders (default ${DEFAULT-VALUE}).")
  int writers;

  @Option(names = "--rate", paramLabel = "R", description = "Open loop: offer R events/s instead of W closed-loop appenders.")
  Double rate;

  @Option(names = "--warmup-events", paramLabel = "N",
      description = "First append N events the same way to a scratch ledger beside --db, verify it and delete it, so"
          + " that the figures measure the disk and the write path, not the JIT compiler warming up. Default: as many"
          + " as --events, at most " + MAX_DEFAULT_WARMUP + "; 0 skips it.")
  Long warmupEvents;

  @Option(names = "--events-per-stream", paramLabel = "K", defaultValue = "8",
      description = "Events per decision stream (default ${DEFAULT-VALUE}, about one decision's trail).")
  int eventsPerStream;

  @Option(names = "--no-verify", description = "Skip the verification pass.")
  boolean noVerify;

  @Option(names = "--baseline",
      description = "Also measure, in the same run, the raw limits: SQLite batched insert of rows shaped like these"
          + " entries (same table, WAL, synchronous=FULL, 256 rows per transaction) and single-thread SHA-256 over the"
          + " same envelope bytes; report the ratios.")
  boolean baseline;

  @Option(names = "--json", description = "Print the result as one JSON object on the last line.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    long warmup = warmupEvents != null ? warmupEvents : Math.min(events, MAX_DEFAULT_WARMUP);
    if (warmup < 0 || warmup > 10_000_000) {
      throw CliFailure.badInput("--warmup-events must be in [0, 10000000], got " + warmup);
    }
    if (events < 1 || events > 100_000_000) {
      throw CliFailure.badInput("--events must be in [1, 100000000], got " + events);
    }
    if (payloadBytes < 0 || payloadBytes > 1_000_000) {
      throw CliFailure.badInput("--payload-bytes must be in [0, 1000000], got " + payloadBytes);
    }
    if (writers < 1 || writers > 10_000) {
      throw CliFailure.badInput("--writers must be in [1, 10000], got " + writers);
    }
    if (rate != null && !(rate > 0)) {
      throw CliFailure.badInput("--rate must be > 0");
    }
    if (eventsPerStream < 1) {
      throw CliFailure.badInput("--events-per-stream must be >= 1");
    }
    SigningKey key = LedgerFiles.privateKey(ledgerKey, "--ledger-key");
    if (key.algorithm() != dev.arbiter.core.crypto.KeyAlgorithm.ED25519) {
      throw CliFailure.badInput("--ledger-key: " + ledgerKey + " is an " + key.algorithm()
          + " key; checkpoints are signed with an Ed25519 key (arbiter keys generate --alg ed25519)");
    }
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();

    long[] latencies = new long[(int) events];
    double seconds;
    Ledger ledger = openForAppend(db, key, "refusing to extend this ledger: ");
    String run = Long.toString(System.currentTimeMillis(), 36);
    String data = payload(payloadBytes);
    AtomicLong done = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    try {
      if (warmup > 0) {
        warmUp(key, warmup, run + "w", data, err);
      }
      Progress progress = new Progress(err, "appended", events);
      Thread ticker = ticker(progress, done);
      long start = System.nanoTime();
      try {
        load(ledger, events, run, data, latencies, done, failure);
        seconds = (System.nanoTime() - start) / 1e9;
      } finally {
        ticker.interrupt();
      }
    } finally {
      ledger.close();
    }
    if (failure.get() != null) {
      throw CliFailure.unavailable("append failed: " + failure.get().getMessage(), failure.get());
    }
    Arrays.sort(latencies);
    double p50 = latencies[(int) Math.min(events - 1, (long) (events * 0.50))] / 1e6;
    double p99 = latencies[(int) Math.min(events - 1, (long) (events * 0.99))] / 1e6;
    double max = latencies[(int) events - 1] / 1e6;
    double eps = events / seconds;
    // The result: on stdout, unless --json puts the JSON object there (then these lines are progress, on stderr).
    PrintWriter report = json ? err : out;
    report.printf("appended %d events (%d-byte payloads, %s) in %.2f s: %.0f events/s; latency p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
        events, payloadBytes, rate == null ? writers + " writers" : String.format("offered %.0f/s", rate), seconds, eps, p50, p99, max);

    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("events", events);
    o.put("warmup_events", warmup);
    o.put("writers", rate == null ? writers : 0);
    if (rate != null) {
      o.put("offered_rate", rate);
    }
    o.put("payload_bytes", payloadBytes);
    o.put("seconds", seconds);
    o.put("events_per_second", Math.round(eps));
    o.put("p50_ms", p50);
    o.put("p99_ms", p99);
    o.put("max_ms", max);
    if (!noVerify) {
      try (SqliteLedgerStore ro = LedgerFiles.openReadOnly(db)) {
        VerificationReport r = new LedgerVerifier(ro, key.verifyingKey(), null, new Progress(err, "verified", -1)).verify();
        double vps = r.entries() / r.seconds();
        report.printf("verified %d entries (%d checkpoints) in %.2f s: %.0f entries/s%n", r.entries(), r.checkpoints(), r.seconds(), vps);
        o.put("verify_entries", r.entries());
        o.put("verify_checkpoints", r.checkpoints());
        o.put("verify_seconds", r.seconds());
        o.put("verify_events_per_second", Math.round(vps));
      } catch (LedgerVerificationException e) {
        throw CliFailure.verification("the ledger did not verify after the benchmark: " + e.getMessage());
      }
    }
    if (baseline) {
      byte[] envelope = dev.arbiter.ledger.event.EnvelopeEncoder.encode(draft(run, data, 0), "evt_01JDX0000000000000000000000",
          events, 0, dev.arbiter.ledger.Timestamps.format(java.time.Instant.now()));
      int rows = (int) Math.min(events, 200_000);
      Path scratch = db.resolveSibling(db.getFileName() + ".baseline");
      double sqliteRows = dev.arbiter.ledger.store.sqlite.SqliteBaseline.batchedInsertRowsPerSecond(scratch, envelope, rows, 256);
      double sha = sha256PerSecond(envelope);
      report.printf("baseline: raw SQLite batched insert %.0f rows/s; raw SHA-256 over %d-byte envelopes %.0f/s%n",
          sqliteRows, envelope.length, sha);
      o.put("baseline_sqlite_rows_per_second", Math.round(sqliteRows));
      o.put("baseline_sha256_per_second", Math.round(sha));
      o.put("envelope_bytes", envelope.length);
      o.put("append_vs_raw_sqlite", Math.round(eps / sqliteRows * 1000) / 1000.0);
      if (o.has("verify_events_per_second")) {
        o.put("verify_vs_raw_sha256", Math.round(o.get("verify_events_per_second").asDouble() / sha * 1000) / 1000.0);
      }
    }
    if (json) {
      out.println(o);
    }
    out.flush();
    err.flush();
    return ExitCodes.OK;
  }

  private EventDraft draft(String run, String data, long i) {
    ObjectNode payload = JsonNodeFactory.instance.objectNode();
    payload.put("n", i);
    payload.put("data", data);
    // Stream ids grow monotonically, as real decision ids (dec_ + ULID) do. Not String.format: this
    // runs on the appenders' threads, and the harness should not compete with the ledger for CPU.
    return new EventDraft(streamId(run, i / eventsPerStream), "bench.appended", null, BENCH_ACTOR, payload);
  }

  private static final Actor BENCH_ACTOR = new Actor("arbiter-bench", "system");

  /** {@code dec_} + run + the stream number zero-padded to 12 digits. */
  static String streamId(String run, long stream) {
    String digits = Long.toString(stream);
    StringBuilder b = new StringBuilder(4 + run.length() + Math.max(12, digits.length())).append("dec_").append(run);
    for (int pad = 12 - digits.length(); pad > 0; pad--) {
      b.append('0');
    }
    return b.append(digits).toString();
  }

  /**
   * Appends {@code n} events to a scratch ledger in a new directory beside {@code --db}, the same way
   * as the measured run, verifies it when the run will verify, and deletes it. The first seconds of
   * a JVM run the write path interpreted and compile it (~4 s of CPU on two cores); measured, they
   * would halve the figure of a 200k-event run.
   */
  private void warmUp(SigningKey key, long n, String run, String data, PrintWriter err) throws Exception {
    Path parent = db.toAbsolutePath().getParent();
    Path dir;
    try {
      dir = Files.createTempDirectory(parent, ".arbiter-bench-warmup-");
    } catch (IOException e) {
      throw CliFailure.unavailable("cannot create the warm-up ledger beside " + db + ": " + e.getMessage(), e);
    }
    // Stopped (Ctrl-C, SIGTERM) during the warm-up, the scratch ledger must not stay behind. The
    // appending threads run on while shutdown hooks do, and SQLite recreated its files in the directory
    // being deleted (a loaded test machine left it behind): the hook closes the ledger first.
    // Shutdown hooks run while the warm-up's own threads go on (a ledger being opened may create files
    // after a first delete): the hook closes what is open, waits (bounded) for the warm-up to leave the
    // directory, and deletes it once more.
    AtomicReference<Ledger> open = new AtomicReference<>();
    java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.CountDownLatch left = new java.util.concurrent.CountDownLatch(1);
    Thread cleanup = new Thread(() -> {
      cancelled.set(true);
      closeOnce(open);
      try {
        left.await(20, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      deleteTree(dir, err);
    }, "bench-warmup-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      Path scratch = dir.resolve("warmup.db");
      long start = System.nanoTime();
      AtomicLong done = new AtomicLong();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      open.set(openForAppend(scratch, key, "the new warm-up ledger did not open: "));
      if (cancelled.get()) {
        closeOnce(open); // stopped while it opened: the hook found nothing to close
        throw CliFailure.unavailable("stopped during the warm-up", null);
      }
      Thread ticker = ticker(new Progress(err, "warm-up appended", n), done);
      try {
        Ledger ledger = open.get();
        if (ledger != null) {
          load(ledger, n, run, data, new long[(int) n], done, failure);
        }
      } finally {
        ticker.interrupt();
        closeOnce(open);
      }
      if (failure.get() != null) {
        throw CliFailure.unavailable("warm-up append failed: " + failure.get().getMessage(), failure.get());
      }
      if (!noVerify) {
        try (SqliteLedgerStore ro = LedgerFiles.openReadOnly(scratch)) {
          new LedgerVerifier(ro, key.verifyingKey(), null, new Progress(err, "warm-up verified", n)).verify();
        } catch (LedgerVerificationException e) {
          throw CliFailure.verification("the warm-up ledger did not verify: " + e.getMessage());
        }
      }
      err.printf("warm-up: %d events appended to a scratch ledger%s in %.1f s, not counted (--warmup-events 0 skips it)%n",
          n, noVerify ? "" : " and verified", (System.nanoTime() - start) / 1e9);
    } finally {
      closeOnce(open);
      deleteTree(dir, err);
      left.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs (or ran) anyway; deleting twice is harmless
      }
    }
  }

  /** Closes the warm-up ledger once, from whichever of the run and the shutdown hook gets there first. */
  private static void closeOnce(AtomicReference<Ledger> open) {
    Ledger l = open.getAndSet(null);
    if (l != null) {
      l.close();
    }
  }

  private void load(Ledger ledger, long n, String run, String data, long[] lat, AtomicLong done, AtomicReference<Throwable> failure)
      throws InterruptedException {
    if (rate == null) {
      closedLoop(ledger, n, run, data, lat, done, failure);
    } else {
      openLoop(ledger, n, run, data, lat, done, failure);
    }
  }

  /** The ledger at {@code db}, opened to append; its store is closed again if the ledger refuses to open. */
  private static Ledger openForAppend(Path db, SigningKey key, String refusal) {
    SqliteLedgerStore store = LedgerFiles.openForAppend(db);
    try {
      return Ledger.open(store, key, Clock.systemUTC(), LedgerOptions.defaults());
    } catch (LedgerIntegrityException e) {
      store.close();
      throw CliFailure.verification(refusal + e.getMessage());
    } catch (LedgerStoreException e) {
      store.close();
      throw LedgerFiles.storeFailure(e);
    }
  }

  private static Thread ticker(Progress progress, AtomicLong done) {
    return Thread.ofPlatform().daemon(true).start(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          Thread.sleep(250);
        } catch (InterruptedException e) {
          return;
        }
        progress.accept(done.get());
      }
    });
  }

  private static void deleteTree(Path dir, PrintWriter err) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    } catch (IOException | UncheckedIOException e) {
      err.printf("warning: could not delete the warm-up ledger %s: %s%n", dir, e.getMessage());
    }
  }

  private void closedLoop(Ledger ledger, long n, String run, String data, long[] lat, AtomicLong done,
      AtomicReference<Throwable> failure) throws InterruptedException {
    ClosedLoop.run(ledger, writers, n, i -> draft(run, data, i), lat, done, failure);
  }

  private void openLoop(Ledger ledger, long n, String run, String data, long[] lat, AtomicLong done,
      AtomicReference<Throwable> failure) throws InterruptedException {
    double interval = 1e9 / rate;
    CountDownLatch finished = new CountDownLatch((int) n);
    long start = System.nanoTime();
    for (long i = 0; i < n && failure.get() == null; i++) {
      long intended = start + (long) (i * interval);
      long wait;
      while ((wait = intended - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      final long idx = i;
      CompletableFuture<?> f = ledger.append(draft(run, data, i));
      f.whenComplete((r, t) -> {
        if (t != null) {
          failure.compareAndSet(null, t);
        }
        lat[(int) idx] = System.nanoTime() - intended;
        done.incrementAndGet();
        finished.countDown();
      });
    }
    if (failure.get() == null) {
      finished.await();
    }
  }

  private static double sha256PerSecond(byte[] bytes) throws java.security.NoSuchAlgorithmException {
    java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
    long n = 0;
    long start = System.nanoTime();
    long deadline = start + 2_000_000_000L;
    byte[] sink = null;
    while (System.nanoTime() < deadline) {
      for (int i = 0; i < 10_000; i++) {
        md.update(bytes);
        sink = md.digest();
      }
      n += 10_000;
    }
    if (sink == null || sink.length != 32) {
      throw new IllegalStateException("SHA-256 produced no digest");
    }
    return n / ((System.nanoTime() - start) / 1e9);
  }

  private static String payload(int bytes) {
    byte[] raw = new byte[(bytes * 3) / 4 + 3];
    new SecureRandom().nextBytes(raw);
    String s = Base64.getEncoder().withoutPadding().encodeToString(raw);
    return s.substring(0, Math.min(bytes, s.length()));
  }
}
