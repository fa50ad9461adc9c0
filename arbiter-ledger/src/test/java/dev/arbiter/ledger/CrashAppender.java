package dev.arbiter.ledger;

import dev.arbiter.core.crypto.SigningKey;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Child process for {@link CrashTest}: appends forever from several threads and prints one line per
 * acknowledged append (its receipt as JSON) only after the ledger acknowledged it. The parent kills
 * it with SIGKILL at an arbitrary moment.
 */
public final class CrashAppender {
  public static void main(String[] args) throws Exception {
    Path db = Path.of(args[0]);
    SigningKey key = SigningKey.load(Path.of(args[1]));
    String tag = args[2];
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, "UTF-8");
    AtomicLong n = new AtomicLong();
    try (Ledger ledger = TestLedgers.open(db, key)) {
      Thread[] threads = new Thread[16];
      for (int t = 0; t < threads.length; t++) {
        threads[t] = Thread.ofPlatform().start(() -> {
          while (true) {
            long i = n.getAndIncrement();
            AppendedEvent e = ledger.append(TestLedgers.draft("dec_" + tag + (i % 40), "decision.created", (int) i)).join();
            String line = e.receipt().toJson().toString();
            synchronized (out) {
              out.println(line);
              out.flush();
            }
          }
        });
      }
      for (Thread t : threads) {
        t.join();
      }
    }
  }
}
