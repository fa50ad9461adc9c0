package dev.arbiter.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.ledger.EntryHash;
import dev.arbiter.ledger.event.Actor;
import dev.arbiter.ledger.event.EnvelopeHeader;
import dev.arbiter.ledger.event.EventEnvelope;
import dev.arbiter.ledger.merkle.Rfc9162;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The limits the ledger is measured against (issue 2 asks for ratios): raw SHA-256 over one
 * 512-byte record, raw SQLite batched insert of rows shaped like ledger entries (same schema, same
 * durability: WAL + synchronous=FULL, 256 rows per transaction), and our own per-event costs
 * (canonical envelope + chain hash + leaf hash; envelope header parse for verification).
 *
 * <p>Run: {@code java -jar arbiter-bench/target/benchmarks.jar LedgerLimitsBench -f 1 -wi 3 -i 5}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LedgerLimitsBench {
  private static final int BATCH = 256;

  private byte[] record512;
  private byte[] prev;
  private EventEnvelope envelope;
  private byte[] envelopeBytes;
  private MessageDigest sha256;
  private Path dir;
  private Connection conn;
  private PreparedStatement insert;
  private long nextLeaf;

  @Setup(Level.Trial)
  public void setup() throws Exception {
    Random r = new Random(42);
    record512 = new byte[512];
    r.nextBytes(record512);
    prev = new byte[32];
    sha256 = MessageDigest.getInstance("SHA-256");
    ObjectNode payload = JsonNodeFactory.instance.objectNode();
    byte[] data = new byte[384];
    r.nextBytes(data);
    payload.put("data", java.util.Base64.getEncoder().encodeToString(data).substring(0, 512));
    envelope = new EventEnvelope("evt_01JDX0000000000000000000000", 12345, "dec_01JDX0000000000000000000000", 3,
        "decision.evaluated", 1, "sha256:0000", new Actor("agent_bench", "proposer"), payload, "2026-11-25T17:22:46.123456Z");
    envelopeBytes = envelope.canonicalBytes();

    dir = Files.createTempDirectory("arbiter-limits");
    conn = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("raw.db"));
    try (Statement st = conn.createStatement()) {
      st.execute("PRAGMA journal_mode=WAL");
      st.execute("PRAGMA synchronous=FULL");
      st.execute("CREATE TABLE entries (leaf_index INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, stream_seq INTEGER NOT NULL,"
          + " event_type TEXT NOT NULL, entry_hash BLOB NOT NULL, envelope BLOB NOT NULL)");
      st.execute("CREATE UNIQUE INDEX entries_by_stream ON entries (stream_id, stream_seq)");
    }
    conn.setAutoCommit(false);
    insert = conn.prepareStatement(
        "INSERT INTO entries (leaf_index, stream_id, stream_seq, event_type, entry_hash, envelope) VALUES (?,?,?,?,?,?)");
  }

  @TearDown(Level.Trial)
  public void teardown() throws Exception {
    conn.close();
    try (var files = Files.list(dir)) {
      for (Path p : files.toList()) {
        Files.delete(p);
      }
    }
    Files.delete(dir);
  }

  /** Raw SHA-256 of one 512-byte record: the hashing ceiling for verification. */
  @Benchmark
  public byte[] sha256_512B() {
    return sha256.digest(record512);
  }

  /** What the writer does per event before storage: canonical envelope, chain hash, Merkle leaf hash. */
  @Benchmark
  public byte[] appendHashing_perEvent() {
    byte[] bytes = envelope.canonicalBytes();
    return Rfc9162.hashLeaf(EntryHash.compute(prev, bytes));
  }

  /** What the verifier does per event besides reading: header parse, chain hash, leaf hash. */
  @Benchmark
  public byte[] verifyHashing_perEvent() {
    EnvelopeHeader h = EnvelopeHeader.read(envelopeBytes);
    if (h.streamSeq() < 0) {
      throw new IllegalStateException();
    }
    return Rfc9162.hashLeaf(EntryHash.compute(prev, envelopeBytes));
  }

  /** Raw SQLite: 256 entry-shaped rows per durable transaction (per-row throughput). */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void sqliteBatchedInsert_perRow() throws Exception {
    for (int i = 0; i < BATCH; i++) {
      long leaf = nextLeaf++;
      insert.setLong(1, leaf);
      insert.setString(2, String.format("dec_01JDX%017d", leaf >>> 3)); // monotonic, like ULID decision ids
      insert.setLong(3, leaf & 7);
      insert.setString(4, "decision.evaluated");
      insert.setBytes(5, prev);
      insert.setBytes(6, envelopeBytes);
      insert.addBatch();
    }
    insert.executeBatch();
    conn.commit();
  }
}
