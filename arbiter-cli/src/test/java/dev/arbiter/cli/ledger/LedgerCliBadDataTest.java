package dev.arbiter.cli.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.cli.CliRun;
import dev.arbiter.core.canonical.StrictJson;
import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger commands on altered data and hostile inputs: each says what is wrong, with the contract's
 * exit code (1 the ledger does not verify, 2 bad input), never a stack trace or a hang.
 */
class LedgerCliBadDataTest {
  @TempDir Path dir;
  Path db;
  Path priv;
  Path pub;

  /** 300 events without a warm-up: one complete tile of 256 leaves. */
  @BeforeEach
  void benchALedger() throws Exception {
    SigningKey key = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
    priv = dir.resolve("ledger.key");
    pub = dir.resolve("ledger.pub");
    Files.writeString(priv, key.exportPkcs8PemDangerously());
    Files.writeString(pub, key.verifyingKey().toSpkiPem());
    db = dir.resolve("l.db");
    CliRun r = CliRun.of("ledger", "bench", "--db", db.toString(), "--ledger-key", priv.toString(), "--events", "300",
        "--writers", "4", "--payload-bytes", "32", "--warmup-events", "0", "--no-verify");
    assertThat(r.exitCode()).as(r.toString()).isZero();
  }

  @Test
  void verify_withAProtectiveTriggerDropped_passesWithAWarning() throws Exception {
    sql("DROP TRIGGER entries_no_delete");
    CliRun r = verify();
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.err()).contains("warning: the ledger's append-only triggers are missing (entries_no_delete)");
    CliRun j = verify("--json");
    assertThat(json(j.lastOutLine()).get("warnings").get(0).asText()).contains("entries_no_delete");
  }

  @Test
  void verify_withAPlantedTrigger_exitsOne_andNamesIt() throws Exception {
    sql("CREATE TRIGGER zz BEFORE INSERT ON entries WHEN NEW.stream_seq = 1 BEGIN SELECT RAISE(IGNORE); END");
    CliRun r = verify();
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.out()).contains("FAILED: the database's schema was altered: trigger `zz` on entries");
    assertThat(json(verify("--json").lastOutLine()).get("failure").get("kind").asText()).isEqualTo("schema_altered");
  }

  @Test
  void verify_withAStreamIdStoredAsBlob_exitsOne_andNamesTheEntry() throws Exception {
    sql("DROP TRIGGER entries_no_update", "UPDATE entries SET stream_id = CAST(stream_id AS BLOB) WHERE leaf_index = 5");
    CliRun r = verify();
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.out()).contains("leaf index:  5").contains("stream_id is stored as blob, not text")
        .contains("expected:    stream_id text").contains("found:       stream_id blob");
  }

  @Test
  void readCommands_onAReadOnlyDirectory_read() throws Exception {
    try (Immutable ignored = Immutable.of(dir)) {
      CliRun v = verify();
      assertThat(v.exitCode()).as(v.toString()).isZero();
      assertThat(CliRun.of("ledger", "show", "--db", db.toString(), "--limit", "2").exitCode()).isZero();
      CliRun p = CliRun.of("ledger", "prove", "--db", db.toString(), "--leaf", "5");
      assertThat(p.exitCode()).as(p.toString()).isZero();
      Path out = Files.createTempDirectory("checkpoint-out").resolve("cp.json");
      assertThat(CliRun.of("ledger", "checkpoint", "--db", db.toString(), "--out", out.toString()).exitCode()).isZero();
    }
  }

  @Test
  void verify_whenSqliteCannotReadTheWriteAheadLog_exitsTwo_saysPermissionDenied() throws Exception {
    Files.createFile(Path.of(db + "-wal"));
    try (Immutable ignored = Immutable.of(dir)) {
      CliRun r = verify();
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
      assertThat(r.err()).contains("cannot read " + db + ": permission denied").doesNotContain("not an SQLite database");
    }
  }

  @Test
  void inputFilesPastOneMebibyte_exitTwo_withoutReadingThemWhole() throws Exception {
    Path big = dir.resolve("big.pem");
    Files.write(big, new byte[(1 << 20) + 1]);
    Path proof = dir.resolve("p.json");
    Files.writeString(proof, CliRun.of("ledger", "prove", "--db", db.toString(), "--leaf", "5").out());
    for (String[] args : new String[][] {
        {"ledger", "verify", "--db", db.toString(), "--key", big.toString()},
        {"ledger", "verify", "--db", db.toString(), "--key", pub.toString(), "--trusted-checkpoint", big.toString()},
        {"ledger", "verify-proof", "--proof", big.toString(), "--key", pub.toString()},
        {"ledger", "verify-proof", "--proof", proof.toString(), "--key", big.toString()},
        {"ledger", "verify", "--db", db.toString(), "--key", "/dev/zero"},
        {"ledger", "verify", "--db", db.toString(), "--key", pub.toString(), "--trusted-checkpoint", "/dev/zero"},
        {"ledger", "verify-proof", "--proof", "/dev/zero", "--key", pub.toString()},
        {"ledger", "bench", "--db", dir.resolve("b.db").toString(), "--ledger-key", "/dev/zero", "--events", "1"}}) {
      CliRun r = CliRun.of(args);
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
      assertThat(r.err()).as(r.toString()).contains("is larger than 1 MiB").doesNotContain("Exception").doesNotContain("Error");
    }
  }

  @Test
  void verify_aMalformedLedgerKeyId_exitsOne() throws Exception {
    sql("DROP TRIGGER ledger_meta_no_update", "UPDATE ledger_meta SET value = 'garbage' WHERE key = 'ledger_key_id'");
    CliRun r = verify();
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.out()).contains("malformed").contains("ledger_key_id");
  }

  @Test
  void verify_aMalformedCheckpointRow_withJson_stillPrintsOneObject() throws Exception {
    sql("DROP TRIGGER checkpoints_no_update", "UPDATE checkpoints SET timestamp = CAST(timestamp AS BLOB)");
    CliRun r = verify("--json");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    JsonNode o = json(r.lastOutLine());
    assertThat(o.get("ok").asBoolean()).isFalse();
    assertThat(o.get("failure").get("kind").asText()).isEqualTo("malformed");
    assertThat(o.get("failure").get("message").asText()).contains("checkpoint");
  }

  /** A copy cut short (a partial backup) or with a page overwritten: SQLite says the image is malformed. */
  @Test
  void everyReadCommand_onADamagedFile_exitsOne_notUnavailable() throws Exception {
    byte[] whole = Files.readAllBytes(db);
    Path cut = dir.resolve("cut.db");
    Files.write(cut, java.util.Arrays.copyOf(whole, whole.length / 3));
    Path overwritten = dir.resolve("overwritten.db");
    byte[] noise = whole.clone();
    new java.util.Random(7).ints(4096, 0, 256).forEach(new java.util.function.IntConsumer() {
      int i = 4096;

      @Override
      public void accept(int b) {
        if (i < noise.length) {
          noise[i++] = (byte) b;
        }
      }
    });
    Files.write(overwritten, noise);
    for (Path damaged : new Path[] {cut, overwritten}) {
      CliRun v = CliRun.of("ledger", "verify", "--db", damaged.toString(), "--key", pub.toString());
      assertThat(v.exitCode()).as(v.toString()).isEqualTo(1);
      assertThat(v.out()).contains("damaged").doesNotContain("Exception");
      CliRun vj = CliRun.of("ledger", "verify", "--db", damaged.toString(), "--key", pub.toString(), "--json");
      assertThat(vj.exitCode()).as(vj.toString()).isEqualTo(1);
      assertThat(json(vj.lastOutLine()).get("ok").asBoolean()).isFalse();
      for (String[] read : new String[][] {
          {"ledger", "show", "--db", damaged.toString()},
          {"ledger", "prove", "--db", damaged.toString(), "--leaf", "1"},
          {"ledger", "checkpoint", "--db", damaged.toString(), "--out", dir.resolve("cp.json").toString()}}) {
        CliRun r = CliRun.of(read);
        assertThat(r.exitCode()).as(r.toString()).isIn(1, 2);
        assertThat(r.err()).doesNotContain("Exception");
      }
    }
  }

  @Test
  void showJson_ofAnEnvelopeThatIsNotAnObject_exitsOne() throws Exception {
    sql("DROP TRIGGER entries_no_update", "UPDATE entries SET envelope = CAST('[1]' AS BLOB) WHERE leaf_index = 0");
    CliRun r = CliRun.of("ledger", "show", "--db", db.toString(), "--limit", "1", "--json");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).contains("entry at leaf 0 has a malformed envelope").doesNotContain("Exception");
    assertThat(CliRun.of("ledger", "show", "--db", db.toString(), "--limit", "1").exitCode()).isEqualTo(1);
  }

  @Test
  void checkpoint_whoseOutCannotBeWritten_leavesNoTemporaryFile() throws Exception {
    Path out = Files.createDirectory(dir.resolve("out"));
    Files.writeString(out.resolve("keep"), "a directory in the way");
    CliRun r = CliRun.of("ledger", "checkpoint", "--db", db.toString(), "--out", out.toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    try (var files = Files.list(dir)) {
      assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.startsWith(".checkpoint"));
    }
  }

  /** Black-box run: a dropped table was "unavailable" (exit 3) with SQLite's own words, and --json printed nothing. */
  @Test
  void aDroppedTable_isAnAlteredLedger_exitOne_withItsJsonObject() throws Exception {
    sql("DROP TABLE checkpoints");
    CliRun r = verify("--json");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    JsonNode o = json(r.lastOutLine());
    assertThat(o.get("ok").asBoolean()).isFalse();
    assertThat(o.get("failure").get("message").asText()).contains("schema was altered").contains("checkpoints");
    assertThat(CliRun.of("ledger", "show", "--db", db.toString()).exitCode()).isEqualTo(1);
  }

  /** Issue 2: checkpoints are signed with the ledger's Ed25519 key; a P-256 key made ECDSA checkpoints. */
  @Test
  void bench_withAnEcdsaLedgerKey_isRefused_exitTwo_andWritesNothing() throws Exception {
    SigningKey ec = SigningKey.generate(KeyAlgorithm.ECDSA_P256, new SecureRandom());
    Path ecKey = dir.resolve("ec.key");
    Files.writeString(ecKey, ec.exportPkcs8PemDangerously());
    Path fresh = dir.resolve("ec.db");
    CliRun r = CliRun.of("ledger", "bench", "--db", fresh.toString(), "--ledger-key", ecKey.toString(), "--events", "10",
        "--warmup-events", "0");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("Ed25519");
    assertThat(Files.exists(fresh)).isFalse();
  }

  /** Black-box run: a FIFO as --db hung verify and show forever; as --out it was replaced by a regular file. */
  @Test
  void aFifo_asDbOrAsCheckpointOut_isRefused_exitTwo_andLeftAlone() throws Exception {
    Path fifo = dir.resolve("fifo");
    Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assumeTrue(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0, "mkfifo is available");
    for (String[] args : new String[][] {
        {"ledger", "verify", "--db", fifo.toString(), "--key", pub.toString()},
        {"ledger", "show", "--db", fifo.toString()},
        {"ledger", "checkpoint", "--db", db.toString(), "--out", fifo.toString()}}) {
      CliRun r = CliRun.of(args);
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
      assertThat(r.err()).contains("not a regular file");
    }
    assertThat(Files.isRegularFile(fifo, java.nio.file.LinkOption.NOFOLLOW_LINKS)).as("still a FIFO").isFalse();
    assertThat(Files.exists(fifo)).isTrue();
  }

  @Test
  void verifyProof_withIntegersPastALongOrWithAFraction_exitsTwo() throws Exception {
    Path proof = dir.resolve("p.json");
    String good = CliRun.of("ledger", "prove", "--db", db.toString(), "--leaf", "5").out();
    Files.writeString(proof, good);
    assertThat(CliRun.of("ledger", "verify-proof", "--proof", proof.toString(), "--key", pub.toString()).exitCode()).isZero();
    for (String[] change : new String[][] {
        {"\"leaf_index\" : 5", "\"leaf_index\" : 18446744073709551621"}, // 2^64 + 5: wrapped to 5
        {"\"leaf_index\" : 5", "\"leaf_index\" : 5.0"},
        {"\"tree_size\" : 300", "\"tree_size\" : 18446744073709551916"}}) {
      assertThat(good).contains(change[0]);
      Files.writeString(proof, good.replace(change[0], change[1]));
      CliRun r = CliRun.of("ledger", "verify-proof", "--proof", proof.toString(), "--key", pub.toString());
      assertThat(r.exitCode()).as(change[1] + "\n" + r).isEqualTo(2);
    }
  }

  private CliRun verify(String... more) {
    String[] args = {"ledger", "verify", "--db", db.toString(), "--key", pub.toString()};
    String[] all = java.util.Arrays.copyOf(args, args.length + more.length);
    System.arraycopy(more, 0, all, args.length, more.length);
    return CliRun.of(all);
  }

  private void sql(String... statements) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      for (String s : statements) {
        st.execute(s);
      }
    }
  }

  /**
   * {@code chattr +i} on a directory for the duration of a test: it refuses new files even to root,
   * which tests may run as (a mode-0555 directory would not stop root). Skipped where unavailable.
   */
  record Immutable(Path dir) implements AutoCloseable {
    static Immutable of(Path dir) throws Exception {
      boolean set = chattr("+i", dir);
      if (set) {
        try {
          Files.createFile(dir.resolve("probe"));
          chattr("-i", dir);
          Files.delete(dir.resolve("probe"));
          set = false;
        } catch (java.io.IOException expected) {
          // immutable: new files are refused
        }
      }
      assumeTrue(set, "chattr +i is not available here");
      return new Immutable(dir);
    }

    @Override
    public void close() throws Exception {
      chattr("-i", dir);
    }

    private static boolean chattr(String flag, Path dir) throws Exception {
      try {
        Process p = new ProcessBuilder("chattr", flag, dir.toString()).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
      } catch (java.io.IOException e) {
        return false;
      }
    }
  }

  private static JsonNode json(String s) {
    return StrictJson.parse(s.getBytes(StandardCharsets.UTF_8));
  }
}
