package dev.arbiter.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.core.canonical.StrictJson;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.receipt.Receipt;
import dev.arbiter.ledger.receipt.ReceiptVerifier;
import dev.arbiter.ledger.store.StoredEntry;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import dev.arbiter.ledger.verify.LedgerVerifier;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durability for real: a child JVM appends as fast as it can and prints each receipt once it is
 * acknowledged; we SIGKILL it at a random moment, then check that every acknowledged entry is in
 * the database with the receipt's hash, every receipt verifies, and the whole ledger verifies.
 * Three rounds on the same database, so recovery after a kill is exercised too.
 */
class CrashTest {
  @TempDir Path dir;

  @Test
  void sigkillDuringAppends_losesNoAcknowledgedEntry() throws Exception {
    SigningKey key = TestLedgers.newKey();
    Path keyFile = dir.resolve("ledger.key");
    Files.writeString(keyFile, key.exportPkcs8PemDangerously());
    Path db = dir.resolve("crash.db");
    Random random = new Random();
    List<Receipt> acknowledged = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      acknowledged.addAll(runAndKill(db, keyFile, "r" + round, 300 + random.nextInt(3000)));
    }
    assertThat(acknowledged).hasSizeGreaterThan(900);

    ReceiptVerifier verifier = new ReceiptVerifier(key.verifyingKey());
    try (SqliteLedgerStore store = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY)) {
      for (Receipt r : acknowledged) {
        StoredEntry e = store.entry(r.leafIndex()).orElseThrow(
            () -> new AssertionError("acknowledged leaf " + r.leafIndex() + " is missing after SIGKILL"));
        assertThat(HashValue.of(e.entryHash())).isEqualTo(r.entryHash());
        verifier.verify(r);
      }
      var report = new LedgerVerifier(store, key.verifyingKey(), null, null).verify();
      assertThat(report.entries()).isGreaterThanOrEqualTo(acknowledged.size());
    }
    // And the ledger opens (integrity check on open) and extends after the kills.
    try (Ledger ledger = TestLedgers.open(db, key)) {
      verifier.verify(ledger.append(TestLedgers.draft("dec_after", "decision.created", 0)).join().receipt());
    }
  }

  private static List<Receipt> runAndKill(Path db, Path keyFile, String tag, int receiptsBeforeKill) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        CrashAppender.class.getName(), db.toString(), keyFile.toString(), tag)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    List<String> lines = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        lines.add(line);
        if (lines.size() == receiptsBeforeKill) {
          p.toHandle().destroyForcibly(); // SIGKILL: no shutdown hooks, no close(); our end of the pipe stays open
          break;
        }
      }
      // Whatever the child printed before it died was acknowledged too.
      while ((line = in.readLine()) != null) {
        lines.add(line);
      }
    }
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(lines).as("child printed receipts before it was killed").hasSizeGreaterThanOrEqualTo(receiptsBeforeKill);
    List<Receipt> receipts = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      JsonNode json;
      try {
        json = StrictJson.parse(lines.get(i).getBytes(StandardCharsets.UTF_8));
      } catch (RuntimeException e) {
        // Only the very last line can be cut off by the kill.
        assertThat(i).isEqualTo(lines.size() - 1);
        continue;
      }
      receipts.add(Receipt.fromJson(json));
    }
    return receipts;
  }
}
