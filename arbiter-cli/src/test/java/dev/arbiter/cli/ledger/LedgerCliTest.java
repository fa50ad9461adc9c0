package dev.arbiter.cli.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.cli.CliRun;
import dev.arbiter.core.canonical.StrictJson;
import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.store.Cursor;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerCliTest {
  @TempDir Path dir;
  Path db;
  Path priv;
  Path pub;

  @BeforeEach
  void benchALedger() throws Exception {
    SigningKey key = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
    priv = dir.resolve("ledger.key");
    pub = dir.resolve("ledger.pub");
    Files.writeString(priv, key.exportPkcs8PemDangerously());
    Files.writeString(pub, key.verifyingKey().toSpkiPem());
    db = dir.resolve("l.db");
    CliRun r = CliRun.of("ledger", "bench", "--db", db.toString(), "--ledger-key", priv.toString(), "--events", "600",
        "--writers", "8", "--payload-bytes", "64", "--json");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode json = json(r.lastOutLine());
    for (String f : new String[] {"events", "seconds", "events_per_second", "p50_ms", "p99_ms", "verify_events_per_second"}) {
      assertThat(json.has(f)).as(f).isTrue();
    }
    assertThat(json.get("events").asLong()).isEqualTo(600);
    assertThat(json.get("verify_entries").asLong()).isEqualTo(600);
    // The default warm-up ran on a scratch ledger beside it, which is gone: the measured ledger
    // holds exactly the measured events (checked above) and nothing else was left behind.
    assertThat(json.get("warmup_events").asLong()).isEqualTo(600);
    assertThat(r.err()).contains("warm-up: 600 events appended to a scratch ledger and verified");
    try (var files = Files.list(dir)) {
      assertThat(files.map(f -> f.getFileName().toString())).allMatch(n -> n.startsWith("l.db") || n.startsWith("ledger."));
    }
  }

  /** Earlier engines recorded requests up to Jackson's 1,000 levels: show must read what verify accepts. */
  @Test
  void show_readsEnvelopesNestedDeeperThanInputsMayBe() throws Exception {
    Path deep = dir.resolve("deep.db");
    SigningKey key = SigningKey.load(priv);
    try (dev.arbiter.ledger.Ledger ledger = dev.arbiter.ledger.Ledger.open(
        dev.arbiter.ledger.store.sqlite.SqliteLedgerStore.open(deep, dev.arbiter.ledger.store.sqlite.SqliteLedgerStore.Mode.CREATE_IF_MISSING),
        key, java.time.Clock.systemUTC(), dev.arbiter.ledger.LedgerOptions.defaults())) {
      com.fasterxml.jackson.databind.node.ObjectNode payload = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
      com.fasterxml.jackson.databind.node.ArrayNode inner = payload.putArray("n");
      for (int i = 0; i < 1_100; i++) { // beyond Jackson's default 1,000 levels, for reading and writing
        inner = inner.addArray();
      }
      ledger.append(new dev.arbiter.ledger.event.EventDraft("dec_deep", "decision.created", "sha256:p",
          new dev.arbiter.ledger.event.Actor("agent", "agent"), payload)).join();
    }
    assertThat(CliRun.of("ledger", "verify", "--db", deep.toString(), "--key", pub.toString()).exitCode()).isZero();

    CliRun show = CliRun.of("ledger", "show", "--db", deep.toString(), "--json");

    assertThat(show.exitCode()).as(show.toString()).isZero();
    assertThat(show.out()).contains("decision.created");
  }

  @Test
  void bench_closedLoop_keepsOneAppendInFlightPerWriter() throws Exception {
    // One writer: each append waits for the last one's receipt, so each is its own commit batch
    // (one checkpoint each, after the empty tree's).
    CliRun one = CliRun.of("ledger", "bench", "--db", dir.resolve("one.db").toString(), "--ledger-key", priv.toString(),
        "--events", "60", "--writers", "1", "--warmup-events", "0", "--json");
    assertThat(one.exitCode()).as(one.toString()).isZero();
    assertThat(json(one.lastOutLine()).get("verify_checkpoints").asLong()).isEqualTo(61);
    // Thirty-two writers on one harness thread: their appends overlap and share commit batches.
    CliRun many = CliRun.of("ledger", "bench", "--db", dir.resolve("many.db").toString(), "--ledger-key", priv.toString(),
        "--events", "3200", "--writers", "32", "--warmup-events", "0", "--json");
    assertThat(many.exitCode()).as(many.toString()).isZero();
    JsonNode m = json(many.lastOutLine());
    assertThat(m.get("events").asLong()).isEqualTo(3200);
    assertThat(m.get("verify_entries").asLong()).isEqualTo(3200);
    assertThat(m.get("verify_checkpoints").asLong()).as("batches of overlapping appends").isLessThan(1600);
  }

  @Test
  void bench_stoppedDuringItsWarmUp_leavesNoScratchLedgerBehind() throws Exception {
    Path work = Files.createDirectory(dir.resolve("stopped"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        "dev.arbiter.cli.Arbiter", "ledger", "bench", "--db", work.resolve("b.db").toString(), "--ledger-key", priv.toString(),
        "--events", "10", "--warmup-events", "10000000", "--writers", "4")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      Path scratch = null;
      for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
          scratch == null && p.isAlive() && System.nanoTime() < deadline; ) {
        try (var files = Files.list(work)) {
          scratch = files.filter(f -> f.getFileName().toString().startsWith(".arbiter-bench-warmup-")
              && Files.exists(f.resolve("warmup.db"))).findFirst().orElse(null);
        }
        Thread.sleep(20);
      }
      assertThat(scratch).as("the warm-up never started").isNotNull();
      Thread.sleep(300); // appending to it
    } finally {
      p.destroy(); // SIGTERM, as Ctrl-C's SIGINT: shutdown hooks run
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("bench did not stop").isTrue();
    }
    try (var files = Files.list(work)) {
      assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.startsWith(".arbiter-bench-warmup-"));
    }
  }

  @Test
  void bench_withoutWarmUp_appendsOnlyTheMeasuredEvents() throws Exception {
    Path fresh = dir.resolve("cold.db");
    CliRun r = CliRun.of("ledger", "bench", "--db", fresh.toString(), "--ledger-key", priv.toString(), "--events", "50",
        "--warmup-events", "0", "--json");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode json = json(r.lastOutLine());
    assertThat(json.get("warmup_events").asLong()).isZero();
    assertThat(json.get("verify_entries").asLong()).isEqualTo(50);
    assertThat(r.err()).doesNotContain("warm-up");
    assertThat(CliRun.of("ledger", "bench", "--db", fresh.toString(), "--ledger-key", priv.toString(), "--events", "5",
        "--warmup-events", "-1").exitCode()).isEqualTo(2);
  }

  @Test
  void bench_withoutJson_printsItsResultOnStdout() {
    CliRun r = CliRun.of("ledger", "bench", "--db", dir.resolve("human.db").toString(), "--ledger-key", priv.toString(),
        "--events", "50", "--warmup-events", "0");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("appended 50 events").contains("events/s").contains("p99").contains("verified 50 entries");
  }

  @Test
  void verify_untouchedLedger_exitsZero() {
    CliRun r = CliRun.of("ledger", "verify", "--db", db.toString(), "--key", pub.toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("ok:").contains("600 entries");
    CliRun j = CliRun.of("ledger", "verify", "--db", db.toString(), "--key", pub.toString(), "--json");
    assertThat(json(j.lastOutLine()).get("ok").asBoolean()).isTrue();
  }

  /** A ledger whose sync failed (it left a marker) still verifies, and the operator is told what that means. */
  @Test
  void verify_ofALedgerWhoseSyncFailed_warnsAndStillVerifies() throws Exception {
    java.nio.file.Path marker = java.nio.file.Path.of(db + ".sync-failed");
    java.nio.file.Files.writeString(marker, "boot_id=x\nat=2026-11-26T12:00:00Z\nerror=cannot sync: EIO\n");
    try {
      CliRun r = CliRun.of("ledger", "verify", "--db", db.toString(), "--key", pub.toString());

      assertThat(r.exitCode()).as(r.toString()).isZero();
      assertThat(r.err()).contains("warning: a sync of this ledger's write-ahead log failed at 2026-11-26T12:00:00Z (cannot sync: EIO)")
          .contains("what is read here may include writes the disk lost");
      assertThat(r.out()).contains("ok:");
    } finally {
      java.nio.file.Files.deleteIfExists(marker);
    }
  }

  @Test
  void verify_tamperedPayload_exitsOne_andNamesTheEntry() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      st.execute("DROP TRIGGER entries_no_update");
      byte[] env;
      try (ResultSet rs = st.executeQuery("SELECT envelope FROM entries WHERE leaf_index = 321")) {
        rs.next();
        env = rs.getBytes(1);
      }
      String s = new String(env, StandardCharsets.UTF_8);
      int at = s.indexOf("\"data\":\"") + 8;
      env[at] = (byte) (env[at] == 'A' ? 'B' : 'A');
      try (PreparedStatement ps = c.prepareStatement("UPDATE entries SET envelope = ? WHERE leaf_index = 321")) {
        ps.setBytes(1, env);
        ps.execute();
      }
    }
    CliRun r = CliRun.of("ledger", "verify", "--db", db.toString(), "--key", pub.toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.out()).contains("FAILED").contains("leaf index:  321").contains("stream_seq:").contains("expected:").contains("found:");
    CliRun j = CliRun.of("ledger", "verify", "--db", db.toString(), "--key", pub.toString(), "--json");
    assertThat(j.exitCode()).isEqualTo(1);
    JsonNode f = json(j.lastOutLine()).get("failure");
    assertThat(f.get("kind").asText()).isEqualTo("entry_hash_mismatch");
    assertThat(f.get("leaf_index").asLong()).isEqualTo(321);
  }

  @Test
  void checkpoint_thenVerifyWithTrustedCheckpoint_catchesTruncation() throws Exception {
    Path cp = dir.resolve("trusted.json");
    CliRun c = CliRun.of("ledger", "checkpoint", "--db", db.toString(), "--out", cp.toString());
    assertThat(c.exitCode()).as(c.toString()).isZero();
    assertThat(json(Files.readString(cp)).get("tree_size").asLong()).isEqualTo(600);
    assertThat(CliRun.of("ledger", "verify", "--db", db.toString(), "--key", pub.toString(), "--trusted-checkpoint", cp.toString())
        .exitCode()).isZero();

    long cut = checkpointSizes().stream().filter(s -> s > 100 && s < 600).findFirst().orElseThrow();
    try (Connection conn = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = conn.createStatement()) {
      st.execute("DROP TRIGGER entries_no_delete");
      st.execute("DROP TRIGGER checkpoints_no_delete");
      st.execute("DELETE FROM entries WHERE leaf_index >= " + cut);
      st.execute("DELETE FROM checkpoints WHERE tree_size > " + cut);
      // A careful attacker also removes the Merkle nodes of the tiles that no longer exist.
      st.execute("DROP TRIGGER merkle_nodes_no_delete");
      st.execute("DELETE FROM merkle_nodes WHERE level = 8 AND (idx + 1) * 256 > " + cut);
    }
    assertThat(CliRun.of("ledger", "verify", "--db", db.toString(), "--key", pub.toString()).exitCode()).isZero();
    CliRun r = CliRun.of("ledger", "verify", "--db", db.toString(), "--key", pub.toString(), "--trusted-checkpoint", cp.toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.out()).contains("truncated");
  }

  @Test
  void checkpoint_refusesToExportWhatTheStoredLedgerContradicts() throws Exception {
    Path cp = dir.resolve("export.json");
    // Later checkpoints deleted by hand: the newest row left would be a weaker anchor, below entries
    // the database still holds (a later clean cut to that size would then verify against it).
    long cut = checkpointSizes().stream().filter(s -> s > 100 && s < 600).findFirst().orElseThrow();
    Path weaker = copyOfDb("weaker.db", "DROP TRIGGER checkpoints_no_delete", "DELETE FROM checkpoints WHERE tree_size > " + cut);
    CliRun w = CliRun.of("ledger", "checkpoint", "--db", weaker.toString(), "--out", cp.toString());
    assertThat(w.exitCode()).as(w.toString()).isEqualTo(1);
    assertThat(w.err()).contains("covers " + cut + " entries").contains("up to leaf 599").contains("ledger verify");
    assertThat(cp).doesNotExist();

    // The newest checkpoint's root altered: an anchor the genuine ledger would then fail.
    Path altered = copyOfDb("altered.db", "DROP TRIGGER checkpoints_no_update",
        "UPDATE checkpoints SET root_hash = zeroblob(32) WHERE tree_size = 600");
    CliRun a = CliRun.of("ledger", "checkpoint", "--db", altered.toString(), "--out", cp.toString());
    assertThat(a.exitCode()).as(a.toString()).isEqualTo(1);
    assertThat(a.err()).contains("stored tree's root");
    assertThat(cp).doesNotExist();

    // With --key the signature is checked too: a key of another ledger is refused, this one's accepted.
    SigningKey other = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
    Path otherPub = dir.resolve("other.pub");
    Files.writeString(otherPub, other.verifyingKey().toSpkiPem());
    CliRun o = CliRun.of("ledger", "checkpoint", "--db", db.toString(), "--out", cp.toString(), "--key", otherPub.toString());
    assertThat(o.exitCode()).as(o.toString()).isEqualTo(1);
    assertThat(cp).doesNotExist();
    CliRun ok = CliRun.of("ledger", "checkpoint", "--db", db.toString(), "--out", cp.toString(), "--key", pub.toString());
    assertThat(ok.exitCode()).as(ok.toString()).isZero();
    assertThat(json(Files.readString(cp)).get("tree_size").asLong()).isEqualTo(600);
  }

  @Test
  void prove_refusesAProofTheStoredCheckpointContradicts() throws Exception {
    // Two entries' positions swapped by hand: their own Merkle nodes no longer match the signed root.
    Path swapped = copyOfDb("swapped.db", "DROP TRIGGER entries_no_update",
        "UPDATE entries SET leaf_index = -1 WHERE leaf_index = 7", "UPDATE entries SET leaf_index = 7 WHERE leaf_index = 8",
        "UPDATE entries SET leaf_index = 8 WHERE leaf_index = -1");
    CliRun p = CliRun.of("ledger", "prove", "--db", swapped.toString(), "--leaf", "7");
    assertThat(p.exitCode()).as(p.toString()).isEqualTo(1);
    assertThat(p.out()).isEmpty();
    assertThat(p.err()).contains("does not agree with the signed checkpoint").contains("ledger verify");

    // A stored Merkle node (leaves 256 to 511) changed: proofs that use it are refused, others still printed.
    Path node = copyOfDb("node.db", "DROP TRIGGER merkle_nodes_no_update",
        "UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 8 AND idx = 1");
    CliRun i = CliRun.of("ledger", "prove", "--db", node.toString(), "--leaf", "100", "--size", "600");
    assertThat(i.exitCode()).as(i.toString()).isEqualTo(1);
    CliRun c = CliRun.of("ledger", "prove", "--db", node.toString(), "--from", "256", "--to", "600"); // [256, 512) is in it
    assertThat(c.exitCode()).as(c.toString()).isEqualTo(1);
    assertThat(CliRun.of("ledger", "prove", "--db", node.toString(), "--leaf", "5", "--size", "256").exitCode()).isZero();
    assertThat(CliRun.of("ledger", "prove", "--db", db.toString(), "--from", "256", "--to", "600").exitCode()).isZero();
  }

  /** A copy of the bench ledger with {@code sql} run on it (as a hostile DBA would). */
  private Path copyOfDb(String name, String... sql) throws Exception {
    Path copy = dir.resolve(name);
    Files.copy(db, copy);
    try (Connection conn = DriverManager.getConnection("jdbc:sqlite:" + copy); Statement st = conn.createStatement()) {
      for (String q : sql) {
        st.execute(q);
      }
    }
    return copy;
  }

  @Test
  void show_json_printsOneEnvelopePerLine() {
    CliRun r = CliRun.of("ledger", "show", "--db", db.toString(), "--limit", "3", "--json");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.outLines()).hasSize(3);
    assertThat(r.err()).as("a cut listing says so").contains("more follow: --from 3");
    for (int i = 0; i < 3; i++) {
      JsonNode e = json(r.outLines().get(i));
      assertThat(e.get("event_type").asText()).isEqualTo("bench.appended");
      assertThat(e.get("leaf_index").asLong()).isEqualTo(i);
      assertThat(e.get("entry_hash").asText()).hasSize(64);
    }
    String stream = json(r.outLines().get(0)).get("decision_id").asText();
    CliRun s = CliRun.of("ledger", "show", "--db", db.toString(), "--stream", stream, "--json");
    assertThat(s.outLines()).hasSize(8).allSatisfy(l -> assertThat(json(l).get("decision_id").asText()).isEqualTo(stream));
    assertThat(s.err()).doesNotContain("more follow");
    assertThat(CliRun.of("ledger", "show", "--db", db.toString(), "--type", "nope.none").outLines()).isEmpty();
    assertThat(CliRun.of("ledger", "show", "--db", db.toString(), "--limit", "0").exitCode()).isEqualTo(2);
  }

  @Test
  void prove_andVerifyProof_inclusionAndConsistency() throws Exception {
    CliRun p = CliRun.of("ledger", "prove", "--db", db.toString(), "--leaf", "5");
    assertThat(p.exitCode()).as(p.toString()).isZero();
    Path proof = dir.resolve("proof.json");
    Files.writeString(proof, p.out());
    assertThat(json(p.out()).get("tree_size").asLong()).isEqualTo(600);
    CliRun v = CliRun.of("ledger", "verify-proof", "--proof", proof.toString(), "--key", pub.toString());
    assertThat(v.exitCode()).as(v.toString()).isZero();

    ObjectNode bad = (ObjectNode) json(p.out());
    ArrayNode elems = (ArrayNode) bad.get("proof");
    String first = elems.get(0).asText();
    elems.set(0, StrictJson.mapper().getNodeFactory().textNode((first.charAt(0) == 'a' ? "b" : "a") + first.substring(1)));
    Files.writeString(proof, bad.toString());
    CliRun vb = CliRun.of("ledger", "verify-proof", "--proof", proof.toString(), "--key", pub.toString());
    assertThat(vb.exitCode()).as(vb.toString()).isEqualTo(1);

    List<Long> sizes = checkpointSizes();
    long a = sizes.get(sizes.size() / 3);
    CliRun c = CliRun.of("ledger", "prove", "--db", db.toString(), "--from", Long.toString(a), "--to", "600");
    assertThat(c.exitCode()).as(c.toString()).isZero();
    Files.writeString(proof, c.out());
    assertThat(CliRun.of("ledger", "verify-proof", "--proof", proof.toString(), "--key", pub.toString()).exitCode()).isZero();

    assertThat(CliRun.of("ledger", "prove", "--db", db.toString(), "--leaf", "600").exitCode()).isEqualTo(2);
  }

  @Test
  void badInputs_exitTwo_withAMessage_andWrongKeyExitsOne() throws Exception {
    Path junk = dir.resolve("junk.db");
    Files.writeString(junk, "junk\n");
    CliRun r = CliRun.of("ledger", "verify", "--db", junk.toString(), "--key", pub.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("not an Arbiter ledger").doesNotContain("Exception");

    CliRun junkJson = CliRun.of("ledger", "verify", "--db", junk.toString(), "--key", pub.toString(), "--json");
    assertThat(junkJson.exitCode()).isEqualTo(2);
    JsonNode error = json(junkJson.lastOutLine());
    assertThat(error.get("ok").asBoolean()).as("a script reading --json gets its object").isFalse();
    assertThat(error.get("error").get("exit_code").asInt()).isEqualTo(2);
    assertThat(error.get("error").get("message").asText()).contains("not an Arbiter ledger");

    // A command line picocli refuses before the command runs (no --key) still gets the object.
    CliRun noKeyJson = CliRun.of("ledger", "verify", "--db", junk.toString(), "--json");
    assertThat(noKeyJson.exitCode()).isEqualTo(2);
    JsonNode usage = json(noKeyJson.lastOutLine());
    assertThat(usage.get("ok").asBoolean()).isFalse();
    assertThat(usage.get("error").get("exit_code").asInt()).isEqualTo(2);
    assertThat(usage.get("error").get("message").asText()).contains("--key");
    assertThat(noKeyJson.err()).contains("--key");

    CliRun missing = CliRun.of("ledger", "verify", "--db", dir.resolve("nope.db").toString(), "--key", pub.toString());
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(Files.exists(dir.resolve("nope.db"))).isFalse();

    CliRun badKey = CliRun.of("ledger", "verify", "--db", db.toString(), "--key", junk.toString());
    assertThat(badKey.exitCode()).isEqualTo(2);
    assertThat(badKey.err()).contains("--key");

    SigningKey other = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
    Path otherPub = dir.resolve("other.pub");
    Files.writeString(otherPub, other.verifyingKey().toSpkiPem());
    CliRun wrong = CliRun.of("ledger", "verify", "--db", db.toString(), "--key", otherPub.toString());
    assertThat(wrong.exitCode()).isEqualTo(1);
    assertThat(wrong.out()).as("the failed verification is the command's result").contains("not by the given key");

    Path sqlite = dir.resolve("other-app.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite); Statement st = c.createStatement()) {
      st.execute("CREATE TABLE t (x)");
    }
    CliRun foreign = CliRun.of("ledger", "show", "--db", sqlite.toString());
    assertThat(foreign.exitCode()).isEqualTo(2);
    assertThat(foreign.err()).contains("not an Arbiter ledger");

    assertThat(CliRun.of("ledger", "verify", "--db", db.toString()).exitCode()).isEqualTo(2);
    assertThat(CliRun.of("ledger", "bench", "--db", db.toString(), "--ledger-key", priv.toString(), "--events", "0").exitCode())
        .isEqualTo(2);
  }

  @Test
  void verify_malformedRowInsertedWithTriggersInPlace_exitsOne() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      st.execute("INSERT INTO checkpoints VALUES (9999, x'00', 't', 'k', x'00', 'l')");
    }
    CliRun r = CliRun.of("ledger", "verify", "--db", db.toString(), "--key", pub.toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.out()).contains("malformed").doesNotContain("Exception");
  }

  @Test
  void show_neverPrintsControlCharactersFromTheLedger() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      st.execute("DROP TRIGGER entries_no_update");
      st.execute("UPDATE entries SET stream_id = 'x' || char(27) || '[2J' WHERE leaf_index = 0");
    }
    CliRun r = CliRun.of("ledger", "show", "--db", db.toString(), "--limit", "1");
    assertThat(r.out()).doesNotContain("\u001b").contains("\\u001b[2J");
  }

  @Test
  void bench_onAnExistingLedgerWithAnotherKey_isRefused() throws Exception {
    SigningKey other = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
    Path otherKey = dir.resolve("other.key");
    Files.writeString(otherKey, other.exportPkcs8PemDangerously());
    CliRun r = CliRun.of("ledger", "bench", "--db", db.toString(), "--ledger-key", otherKey.toString(), "--events", "10");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("refusing to extend");
  }

  private List<Long> checkpointSizes() throws Exception {
    List<Long> sizes = new ArrayList<>();
    try (SqliteLedgerStore store = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY);
        Cursor<Checkpoint> c = store.scanCheckpoints()) {
      Checkpoint cp;
      while ((cp = c.next()) != null) {
        sizes.add(cp.treeSize());
      }
    }
    return sizes;
  }

  private static JsonNode json(String s) {
    return StrictJson.parse(s.getBytes(StandardCharsets.UTF_8));
  }
}
