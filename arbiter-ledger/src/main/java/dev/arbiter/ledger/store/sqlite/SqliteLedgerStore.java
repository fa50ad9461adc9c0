package dev.arbiter.ledger.store.sqlite;

import dev.arbiter.core.crypto.KeyId;
import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.store.CommitBatch;
import dev.arbiter.ledger.store.CorruptLedgerException;
import dev.arbiter.ledger.store.Cursor;
import dev.arbiter.ledger.store.EntryQuery;
import dev.arbiter.ledger.store.LedgerIdentity;
import dev.arbiter.ledger.store.LedgerStore;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.MistypedColumns;
import dev.arbiter.ledger.store.NotALedgerException;
import dev.arbiter.ledger.store.StorageCheck;
import dev.arbiter.ledger.store.StoredEntry;
import dev.arbiter.ledger.store.StoredNode;
import dev.arbiter.ledger.store.StreamHead;
import dev.arbiter.ledger.store.UnreadableLedgerException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteException;

/**
 * The embedded ledger store: one SQLite file in WAL mode. Group commit happens above this class (the
 * sequencer hands it one batch per transaction); this class does one transaction per {@link #commit}
 * and one fsync of the write-ahead log per {@link #sync}.
 *
 * <p>Commits run with {@code synchronous=NORMAL}: SQLite writes the transaction's WAL frames and
 * returns without syncing them (it still syncs the WAL before every checkpoint, the database file
 * after it, and the WAL header whenever the log starts over). {@link #sync} then fsyncs the WAL file
 * itself, outside the write lock. With {@code synchronous=FULL} the fsync ran inside the commit, so
 * the next group could not be written while the disk flushed this one; now it can, and one fsync
 * covers every commit that returned before it started. The writer acknowledges an append only after
 * a sync that covers its commit (docs/design.md, "Durability").
 *
 * <p>One connection, used under this object's lock, plus a read-only connection for the writer's
 * point reads (stream heads, tiles) so they never wait behind a commit. Readers in other processes
 * see committed data through WAL snapshots.
 *
 * <p>Past 400 lines because it is the whole SPI over one pair of connections whose locking rules
 * (which statement runs on which connection, under which lock) are easier to check in one place.
 */
public final class SqliteLedgerStore implements LedgerStore {
  /**
   * Page size of a new ledger file (an existing file keeps its own): 4 KiB, SQLite's default. Larger
   * pages hold a decision's ~6 KB {@code decision.evaluated} without overflow chains and gave ~11%
   * more decisions/s on a fresh ledger (5,009 against 4,479/s, BENCHMARKS.md), but every commit writes
   * whole pages: ~2.3× the bytes. Once the file is large (5M entries) the kernel throttles those
   * writes and p99 at 2,500 decisions/s was 62–95 ms with 32 KiB pages against 34 ms with 4 KiB.
   */
  static final int PAGE_SIZE = 4 * 1024;

  /** How the store is opened. */
  public enum Mode {
    /** Create the file and schema if missing; read and append. */
    CREATE_IF_MISSING,
    /**
     * The file must exist; read only: opened with {@code SQLITE_OPEN_READONLY} (no write access to
     * the file needed) and {@code PRAGMA query_only}. Every read sees one snapshot of the file, taken
     * at the first read, for the store's whole life (one read transaction): a verification beside a
     * running writer reads a ledger that holds together. Review: the Merkle node count was read after
     * the scan's cursors were done, on a newer snapshot, and a live ledger crossing 256 entries in
     * between failed ("merkle_nodes holds 1 rows but the 250 entries complete 0"). Keep such stores
     * short-lived: the snapshot keeps the writer from restarting its WAL meanwhile.
     */
    READ_ONLY
  }

  private final Path file;
  private final Connection conn;
  /** A second connection for the writer's point reads, so they never wait behind a commit (WAL readers). */
  private Connection readConn;
  /** Copies the WAL into the database file off the commit path (writable stores only). */
  private WalCheckpointer checkpointer;
  private final Object readLock = new Object();
  private final boolean readOnly;
  private PreparedStatement insertEntry;
  private PreparedStatement insertNode;
  private PreparedStatement insertCheckpoint;
  /** {@link #STREAM_HEAD_SQL} prepared on {@link #readConn}; guarded by {@link #readLock}. */
  private PreparedStatement streamHeadOnReadConn;
  private long size = -1;
  /** The WAL file, opened for fsync only; its syncs hold {@link #syncLock}, which {@link #commit} never takes. */
  private WalFile wal;
  private final java.util.concurrent.locks.ReentrantLock syncLock = new java.util.concurrent.locks.ReentrantLock();

  /** The JDBC URL {@link #conn} was opened with (for read-only stores, possibly an {@code immutable=1} URI). */
  private final String url;

  private SqliteLedgerStore(Path file, String url, Connection conn, boolean readOnly) {
    this.file = file;
    this.url = url;
    this.conn = conn;
    this.readOnly = readOnly;
  }

  /**
   * Opens (and in {@link Mode#CREATE_IF_MISSING}, creates) the ledger at {@code file}.
   *
   * @throws NotALedgerException when the file is not an SQLite database or not an Arbiter ledger
   * @throws LedgerStoreException when it cannot be opened
   */
  public static SqliteLedgerStore open(Path file, Mode mode) throws LedgerStoreException {
    boolean exists = Files.exists(file);
    if (!exists && mode == Mode.READ_ONLY) {
      throw new NotALedgerException("no ledger at " + file + " (file does not exist)");
    }
    if (exists && Files.isDirectory(file)) {
      throw new NotALedgerException(file + " is a directory, not a ledger file");
    }
    if (exists && !Files.isRegularFile(file)) {
      // A FIFO blocked SQLite's open forever; a device node is no ledger (black-box runs).
      throw new NotALedgerException(file + " is not a regular file, not a ledger file");
    }
    if (mode == Mode.READ_ONLY) {
      return openReadOnly(file);
    }
    if (exists) {
      SyncFailureMarker.refuseIfSameBoot(file);
    }
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null && !exists) {
        Files.createDirectories(parent);
      }
    } catch (java.io.IOException e) {
      throw new LedgerStoreException("cannot open ledger " + file + ": " + e.getMessage(), e);
    }
    WriterLock writer = WriterLock.acquire(file);
    try {
      Connection conn;
      try {
        Properties props = new Properties();
        props.setProperty("busy_timeout", "10000");
        conn = DriverManager.getConnection("jdbc:sqlite:" + file, props);
      } catch (SQLException e) {
        throw new LedgerStoreException("cannot open ledger " + file + ": " + e.getMessage(), e);
      }
      SqliteLedgerStore store = configured(new SqliteLedgerStore(file, "jdbc:sqlite:" + file, conn, false), exists);
      store.writerLock = writer;
      return store;
    } catch (LedgerStoreException | RuntimeException e) {
      writer.close();
      throw e;
    }
  }

  private static boolean isEmptyFile(Path file) {
    try {
      return Files.size(file) == 0;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** Held by a writing store from open to close (null for a read-only one). */
  private WriterLock writerLock;

  private static SqliteLedgerStore configured(SqliteLedgerStore store, boolean existed) throws LedgerStoreException {
    try {
      store.configure(existed);
      return store;
    } catch (LedgerStoreException e) {
      store.close();
      throw e;
    }
  }

  /**
   * Read-only stores open the file with {@code SQLITE_OPEN_READONLY}: a command that only reads
   * needs no write access to the file. Reading a ledger in WAL mode still needs its {@code -shm}
   * file, which SQLite creates beside it: in a directory this user cannot write, and with no
   * {@code -wal} file (so no writer has it open and the file holds every commit), the file is opened
   * as {@code immutable=1} instead, which needs neither. With a {@code -wal} file present that would
   * skip the commits in it, so it is refused. Permission failures are {@link
   * UnreadableLedgerException} ("cannot read FILE: permission denied"), not "not a database".
   */
  private static SqliteLedgerStore openReadOnly(Path file) throws LedgerStoreException {
    String url = "jdbc:sqlite:" + file;
    Connection conn;
    try {
      conn = readOnlyConnection(url);
    } catch (SQLException e) {
      if (!isPermissionFailure(e) || Files.exists(Path.of(file + "-wal"))) {
        throw readOnlyOpenFailure(file, e);
      }
      url = "jdbc:sqlite:" + file.toAbsolutePath().toUri() + "?immutable=1";
      try {
        conn = readOnlyConnection(url);
      } catch (SQLException again) {
        throw readOnlyOpenFailure(file, again);
      }
    }
    return configured(new SqliteLedgerStore(file, url, conn, true), true);
  }

  /** A read-only connection, probed: SQLite opens lazily, and the WAL's files are needed at the first read. */
  private static Connection readOnlyConnection(String url) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setReadOnly(true);
    config.setBusyTimeout(10_000);
    Connection c = DriverManager.getConnection(url, config.toProperties());
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_master")) {
      rs.next();
      return c;
    } catch (SQLException e) {
      c.close();
      throw e;
    }
  }

  private static boolean isPermissionFailure(SQLException e) {
    if (e instanceof SQLiteException se) {
      String code = se.getResultCode().name();
      return code.startsWith("SQLITE_READONLY") || code.startsWith("SQLITE_CANTOPEN") || code.equals("SQLITE_PERM");
    }
    return false;
  }

  private static LedgerStoreException readOnlyOpenFailure(Path file, SQLException e) {
    String msg = e.getMessage() == null ? e.toString() : e.getMessage();
    if (isPermissionFailure(e)) {
      String why = Files.isReadable(file) ? " (SQLite could not create or open the files it needs beside it to read its"
          + " write-ahead log: " + msg + ")" : "";
      return new UnreadableLedgerException("cannot read " + file + ": permission denied" + why);
    }
    if (msg.contains("NOTADB") || msg.contains("not a database")) {
      return new NotALedgerException(file + " is not an Arbiter ledger (not an SQLite database: " + msg + ")");
    }
    if (isDamaged(msg)) {
      return damaged(file, msg);
    }
    return new LedgerStoreException("cannot open ledger " + file + ": " + msg, e);
  }

  /**
   * SQLite's own word that the file's pages do not hold together (a truncated copy, overwritten
   * bytes): the ledger is damaged or altered, which is a verification failure, not an outage.
   */
  private static boolean isDamaged(String msg) {
    return msg.contains("SQLITE_CORRUPT") || msg.contains("disk image is malformed");
  }

  private static CorruptLedgerException damaged(Path file, String msg) {
    return new CorruptLedgerException(file + ": the database file is damaged (SQLite: " + msg
        + "); a truncated or overwritten copy, or an altered file");
  }

  private void configure(boolean existed) throws LedgerStoreException {
    try (Statement st = conn.createStatement()) {
      int appId;
      int version;
      try (ResultSet rs = st.executeQuery("PRAGMA application_id")) {
        appId = rs.next() ? rs.getInt(1) : 0;
      } catch (SQLException e) {
        throw new NotALedgerException(file + " is not an Arbiter ledger (not an SQLite database: " + e.getMessage() + ")");
      }
      try (ResultSet rs = st.executeQuery("PRAGMA user_version")) {
        version = rs.next() ? rs.getInt(1) : 0;
      }
      if (appId == 0 && !readOnly && isEmptyDatabase(st)) {
        st.execute("PRAGMA page_size=" + PAGE_SIZE);
        try (ResultSet rs = st.executeQuery("PRAGMA journal_mode=WAL")) {
          rs.next();
        }
        conn.setAutoCommit(false);
        for (String ddl : SqliteSchema.CREATE) {
          st.execute(ddl);
        }
        conn.commit();
        conn.setAutoCommit(true);
      } else if (appId != SqliteSchema.APPLICATION_ID) {
        throw new NotALedgerException(isEmptyFile(file) ? file + " is an empty file, not an Arbiter ledger"
            : file + " is an SQLite database but not an Arbiter ledger (application_id " + Integer.toHexString(appId) + ")");
      } else if (version != SqliteSchema.VERSION) {
        throw new NotALedgerException(file + ": ledger schema version " + version + " is not supported (expected "
            + SqliteSchema.VERSION + ")");
      }
      if (!readOnly && existed) {
        refuseAlteredSchema();
      }
      if (existed) {
        // An Arbiter ledger (its application_id says so) with a table dropped: altered, not "unavailable".
        List<String> missingTables = SqliteStorageCheck.missingTables(conn);
        if (!missingTables.isEmpty()) {
          throw new CorruptLedgerException(file + ": its schema was altered: table " + String.join(", ", missingTables)
              + " of the ledger's schema is missing");
        }
      }
      if (readOnly) {
        st.execute("PRAGMA query_only=1");
        conn.setAutoCommit(false); // one read transaction (deferred: the snapshot is the first read's) for the store's life
      } else {
        try (ResultSet rs = st.executeQuery("PRAGMA journal_mode=WAL")) {
          rs.next();
        }
        st.execute("PRAGMA synchronous=NORMAL"); // commits write the WAL; sync() flushes it (see the class comment)
        st.execute("PRAGMA cache_size=-65536");
        st.execute("PRAGMA wal_autocheckpoint=" + WalCheckpointer.WRITER_PAGES); // see WalCheckpointer
        // A long read (a verification beside the running engine holds one snapshot) keeps the WAL from
        // restarting, and it grows by what is appended meanwhile; once it restarts, it is cut back to
        // this size rather than keeping the disk space for good (review).
        st.execute("PRAGMA journal_size_limit=" + (64L * 1024 * 1024));
        conn.setAutoCommit(false);
        insertEntry = conn.prepareStatement(
            "INSERT INTO entries (leaf_index, stream_id, stream_seq, event_type, entry_hash, envelope) VALUES (?,?,?,?,?,?)");
        insertNode = conn.prepareStatement("INSERT INTO merkle_nodes (level, idx, hash) VALUES (?,?,?)");
        insertCheckpoint = conn.prepareStatement(
            "INSERT INTO checkpoints (tree_size, root_hash, timestamp, key_id, signature, ledger_id) VALUES (?,?,?,?,?,?)");
        Properties props = new Properties();
        props.setProperty("busy_timeout", "10000");
        readConn = DriverManager.getConnection("jdbc:sqlite:" + file, props);
        try (Statement rs = readConn.createStatement()) {
          rs.execute("PRAGMA query_only=1");
        }
        checkpointer = WalCheckpointer.start(file);
      }
      // Probe the tables so a file with our application_id but a broken schema fails here.
      try (ResultSet rs = st.executeQuery("SELECT count(*) FROM ledger_meta")) {
        rs.next();
      }
      if (!readOnly) {
        openWal();
      }
      if (!existed && readOnly) {
        throw new NotALedgerException("no ledger at " + file);
      }
    } catch (SQLException e) {
      String msg = e.getMessage() == null ? e.toString() : e.getMessage();
      if (msg.contains("NOTADB") || msg.contains("not a database") || msg.contains("no such table")) {
        throw new NotALedgerException(file + " is not an Arbiter ledger: " + msg);
      }
      if (isDamaged(msg)) {
        throw damaged(file, msg);
      }
      throw new LedgerStoreException("cannot open ledger " + file + ": " + msg, e);
    }
  }

  /**
   * Appending to a ledger whose schema was altered is refused (a planted trigger may drop or change
   * what the writer stores); reading it is not, and {@code arbiter ledger verify} names the change.
   * Missing append-only triggers do not stop the writer: they change nothing it writes.
   */
  private void refuseAlteredSchema() throws SQLException, LedgerStoreException {
    List<String> changes = SqliteStorageCheck.schemaChanges(conn);
    if (!changes.isEmpty()) {
      throw new CorruptLedgerException("refusing to append to " + file + ": its schema was altered: "
          + String.join("; ", changes) + ". Run `arbiter ledger verify`");
    }
  }

  private static boolean isEmptyDatabase(Statement st) throws SQLException {
    try (ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_master")) {
      return rs.next() && rs.getInt(1) == 0;
    }
  }

  public Path file() {
    return file;
  }

  /**
   * Keeps every other writer out of the file until the result is closed: a write transaction on a
   * connection of its own ({@code BEGIN IMMEDIATE}), which readers do not wait for (WAL) and which
   * this store's own appends would wait for too, so nothing may be appended meanwhile. The engine
   * holds it from its start's verification to the end of its replay: what it replays is then what
   * it verified (black-box run: an envelope switched back and forth by hand every 2 ms was verified
   * unedited and replayed edited).
   *
   * @throws LedgerStoreException when another writer holds the file beyond the busy timeout (10 s)
   */
  @Override
  public WritersHeld holdOtherWriters() throws LedgerStoreException {
    Properties props = new Properties();
    props.setProperty("busy_timeout", "10000");
    Connection c = null;
    try {
      c = DriverManager.getConnection("jdbc:sqlite:" + file, props);
      try (Statement st = c.createStatement()) {
        st.execute("BEGIN IMMEDIATE");
      }
    } catch (SQLException e) {
      closeQuietly(c);
      throw new LedgerStoreException("cannot hold the ledger " + file + " against other writers: " + e.getMessage(), e);
    }
    Connection held = c;
    return () -> {
      try (Statement st = held.createStatement()) {
        st.execute("ROLLBACK");
      } catch (SQLException e) {
        // closing the connection ends the transaction as well
      } finally {
        closeQuietly(held);
      }
    };
  }

  private static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // nothing was written on it
      }
    }
  }

  /** Set when a sync of this ledger failed (see {@code SyncFailureMarker}): what an operator should know before trusting a read. */
  public static Optional<String> syncFailureNote(Path file) {
    return SyncFailureMarker.describe(file);
  }

  /** A read on the connection readers use: the read-only WAL connection of a writable store, else the only one. */
  private interface Read<T> {
    T run(Connection c) throws SQLException, LedgerStoreException;
  }

  private <T> T read(String what, Read<T> op) throws LedgerStoreException {
    try {
      if (readConn == null) {
        synchronized (this) {
          return op.run(conn);
        }
      }
      synchronized (readLock) {
        return op.run(readConn);
      }
    } catch (SQLException | IllegalArgumentException e) {
      throw fail(what, e);
    }
  }

  @Override
  public Optional<LedgerIdentity> identity() throws LedgerStoreException {
    return read("read ledger identity", c -> {
      String id = null;
      String key = null;
      try (PreparedStatement ps = c.prepareStatement("SELECT key, value, " + ColumnTypes.LEDGER_META.sql() + " FROM ledger_meta");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String types = rs.getString(3);
          if (!ColumnTypes.LEDGER_META.expected.equals(types)) {
            throw new CorruptLedgerException("malformed ledger_meta row `" + rs.getString(1) + "`: "
                + ColumnTypes.LEDGER_META.describe(types));
          }
          switch (rs.getString(1)) {
            case "ledger_id" -> id = rs.getString(2);
            case "ledger_key_id" -> key = rs.getString(2);
            default -> {}
          }
        }
      }
      if (id == null || key == null) {
        return Optional.<LedgerIdentity>empty();
      }
      try {
        return Optional.of(new LedgerIdentity(id, new KeyId(key)));
      } catch (IllegalArgumentException e) {
        throw new CorruptLedgerException("malformed ledger_meta row `ledger_key_id`: " + e.getMessage());
      }
    });
  }

  @Override
  public synchronized void initialize(LedgerIdentity identity, Checkpoint emptyTree) throws LedgerStoreException {
    requireWritable();
    if (emptyTree.treeSize() != 0 || !emptyTree.ledgerId().equals(identity.ledgerId())) {
      throw new LedgerStoreException("a new ledger starts with the checkpoint of its own empty tree");
    }
    try (PreparedStatement ps = conn.prepareStatement("INSERT INTO ledger_meta (key, value) VALUES (?, ?)")) {
      requireTransaction();
      ps.setString(1, "ledger_id");
      ps.setString(2, identity.ledgerId());
      ps.addBatch();
      ps.setString(1, "ledger_key_id");
      ps.setString(2, identity.ledgerKeyId().value());
      ps.addBatch();
      requireOneRowEach("ledger_meta", ps.executeBatch());
      insertCheckpoint.setLong(1, 0);
      insertCheckpoint.setBytes(2, emptyTree.rootHash().bytes());
      insertCheckpoint.setString(3, emptyTree.timestamp());
      insertCheckpoint.setString(4, emptyTree.keyId().value());
      insertCheckpoint.setBytes(5, emptyTree.signature());
      insertCheckpoint.setString(6, emptyTree.ledgerId());
      requireOneRowEach("checkpoints", new int[] {insertCheckpoint.executeUpdate()});
      conn.commit();
      size = 0;
    } catch (SQLException | LedgerStoreException e) {
      rollbackQuietly();
      throw e instanceof LedgerStoreException lse ? lse : fail("initialise ledger", e);
    }
    sync();
  }

  @Override
  public long size() throws LedgerStoreException {
    synchronized (this) {
      if (size >= 0 && !readOnly) {
        return size;
      }
    }
    long n = read("read ledger size", c -> {
      try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT max(leaf_index) FROM entries")) {
        long max = rs.next() ? rs.getLong(1) : 0;
        return rs.wasNull() ? 0 : max + 1;
      }
    });
    return n;
  }

  @Override
  public Optional<Checkpoint> latestCheckpoint() throws LedgerStoreException {
    return oneCheckpoint("SELECT * FROM checkpoints ORDER BY tree_size DESC LIMIT 1", null);
  }

  @Override
  public Optional<Checkpoint> checkpoint(long treeSize) throws LedgerStoreException {
    return oneCheckpoint("SELECT * FROM checkpoints WHERE tree_size = ?", treeSize);
  }

  /** {@inheritDoc} A range seek on {@code tree_size}, the table's integer primary key. */
  @Override
  public Optional<Checkpoint> checkpointAtOrAfter(long treeSize) throws LedgerStoreException {
    return oneCheckpoint("SELECT * FROM checkpoints WHERE tree_size >= ? ORDER BY tree_size LIMIT 1", treeSize);
  }

  private Optional<Checkpoint> oneCheckpoint(String sql, Long arg) throws LedgerStoreException {
    return read("read checkpoint", c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        if (arg != null) {
          ps.setLong(1, arg);
        }
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(checkpointFrom(rs)) : Optional.<Checkpoint>empty();
        }
      }
    });
  }

  private static Checkpoint checkpointFrom(ResultSet rs) throws SQLException, LedgerStoreException {
    try {
      return new Checkpoint(
          rs.getString("ledger_id"),
          rs.getLong("tree_size"),
          HashValue.of(rs.getBytes("root_hash")),
          rs.getString("timestamp"),
          new KeyId(rs.getString("key_id")),
          rs.getBytes("signature"));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new CorruptLedgerException("malformed checkpoint row at tree size " + rs.getLong("tree_size") + ": " + e.getMessage());
    }
  }

  @Override
  public Cursor<Checkpoint> scanCheckpoints() throws LedgerStoreException {
    return cursor("SELECT *, " + ColumnTypes.CHECKPOINTS.sql() + " AS types FROM checkpoints ORDER BY tree_size", ps -> {}, rs -> {
      String types = rs.getString("types");
      if (!ColumnTypes.CHECKPOINTS.expected.equals(types)) {
        throw new CorruptLedgerException("malformed checkpoint row at tree size " + rs.getLong("tree_size") + ": "
            + ColumnTypes.CHECKPOINTS.describe(types));
      }
      return checkpointFrom(rs);
    });
  }

  /**
   * The index columns come back as one string: three JNI calls a row instead of six, which is most
   * of the cost of a full verification scan. SQL's {@code ||} turns a BLOB into text, so that string
   * alone would hide a column stored with another type ({@link ColumnTypes}): a row whose types are
   * not the declared ones gets them in front, {@code "blob,integer,text,blob,blob 5 0 type stream"}.
   * On the common path that costs five {@code typeof} comparisons (they read only the record
   * header) and no extra JNI call (docs/design.md, "Verification").
   */
  private static final String SCAN_ENTRIES = "SELECT CASE WHEN " + ColumnTypes.ENTRIES.sqlCondition() + " THEN ''"
      + " ELSE " + ColumnTypes.ENTRIES.sql() + " || ' ' END"
      + " || leaf_index || ' ' || stream_seq || ' ' || event_type || ' ' || stream_id, entry_hash, envelope"
      + " FROM entries WHERE leaf_index >= ? ORDER BY leaf_index";

  @Override
  public Cursor<StoredEntry> scanEntries(long fromLeaf) throws LedgerStoreException {
    return cursor(SCAN_ENTRIES, ps -> ps.setLong(1, fromLeaf), SqliteLedgerStore::scannedEntryFrom);
  }

  @Override
  public Cursor<StoredNode> scanNodes(int level) throws LedgerStoreException {
    return cursor("SELECT level, idx, hash, " + ColumnTypes.NODES.sql() + " FROM merkle_nodes WHERE level = ? ORDER BY idx",
        ps -> ps.setInt(1, level), rs -> {
          String types = rs.getString(4);
          if (!ColumnTypes.NODES.expected.equals(types)) {
            throw new CorruptLedgerException("malformed merkle_nodes row (level " + rs.getInt(1) + ", idx " + rs.getString(2)
                + "): " + ColumnTypes.NODES.describe(types));
          }
          return new StoredNode(rs.getInt(1), rs.getLong(2), rs.getBytes(3));
        });
  }

  /**
   * Runs on a connection of its own, so the integrity check (it reads every page) neither holds this
   * store's locks nor waits for them: verification runs it beside its scan.
   */
  @Override
  public StorageCheck checkStorage() throws LedgerStoreException {
    try (Connection c = readOnlyConnection(url)) {
      return SqliteStorageCheck.run(c);
    } catch (SQLException e) {
      throw fail("check the ledger's storage", e);
    }
  }

  @Override
  public long nodeCount() throws LedgerStoreException {
    return read("count Merkle nodes", c -> {
      try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM merkle_nodes")) {
        return rs.next() ? rs.getLong(1) : 0L;
      }
    });
  }

  /** Cursors run on the readers' connection, never holding the write connection's transaction open. */
  private <T> Cursor<T> cursor(String sql, SqlCursor.Binder binder, SqlCursor.RowMapper<T> mapper) throws LedgerStoreException {
    Connection c = readConn != null ? readConn : conn;
    Object lock = readConn != null ? readLock : this;
    synchronized (lock) {
      return new SqlCursor<>(file, c, lock, sql, binder, mapper);
    }
  }

  private static StoredEntry scannedEntryFrom(ResultSet rs) throws SQLException {
    String index = rs.getString(1);
    byte[] hash = rs.getBytes(2);
    byte[] envelope = rs.getBytes(3);
    MistypedColumns mistyped = null;
    int start = 0;
    if (index != null && !index.isEmpty() && index.charAt(0) >= 'a' && index.charAt(0) <= 'z') {
      // "blob,integer,text,blob,blob 5 0 type stream": the storage types come first (see SCAN_ENTRIES).
      start = index.indexOf(' ') + 1;
      mistyped = ColumnTypes.ENTRIES.mistyped(index.substring(0, Math.max(0, start - 1)));
    }
    if (index != null) {
      int a = index.indexOf(' ', start);
      int b = a < 0 ? -1 : index.indexOf(' ', a + 1);
      int c = b < 0 ? -1 : index.indexOf(' ', b + 1);
      if (c > 0) {
        try {
          return new StoredEntry(Long.parseLong(index, start, a, 10), index.substring(c + 1),
              Long.parseLong(index, a + 1, b, 10), index.substring(b + 1, c), hash, envelope, mistyped);
        } catch (NumberFormatException e) {
          // falls through: malformed index columns
        }
      }
    }
    return new StoredEntry(-1, null, -1, null, hash, envelope, mistyped);
  }

  private static StoredEntry entryFrom(ResultSet rs) throws SQLException {
    return new StoredEntry(
        rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getBytes(5), rs.getBytes(6));
  }

  private static final String ENTRY_COLUMNS = "SELECT leaf_index, stream_id, stream_seq, event_type, entry_hash, envelope FROM entries";

  @Override
  public List<StoredEntry> query(EntryQuery q) throws LedgerStoreException {
    StringBuilder sql = new StringBuilder(ENTRY_COLUMNS).append(" WHERE leaf_index >= ?");
    if (q.streamId() != null) {
      sql.append(" AND stream_id = ?");
    }
    if (q.eventType() != null) {
      sql.append(" AND event_type = ?");
    }
    sql.append(" ORDER BY leaf_index LIMIT ?");
    return read("query entries", c -> {
      try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
        int i = 1;
        ps.setLong(i++, q.fromLeaf());
        if (q.streamId() != null) {
          ps.setString(i++, q.streamId());
        }
        if (q.eventType() != null) {
          ps.setString(i++, q.eventType());
        }
        ps.setInt(i, q.limit());
        List<StoredEntry> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(entryFrom(rs));
          }
        }
        return out;
      }
    });
  }

  @Override
  public Optional<StoredEntry> entry(long leafIndex) throws LedgerStoreException {
    return oneEntry("read entry " + leafIndex, ENTRY_COLUMNS + " WHERE leaf_index = ?", ps -> ps.setLong(1, leafIndex));
  }

  @Override
  public Optional<StoredEntry> streamEntry(String streamId, long streamSeq) throws LedgerStoreException {
    return oneEntry("read stream entry", ENTRY_COLUMNS + " WHERE stream_id = ? AND stream_seq = ?", ps -> {
      ps.setString(1, streamId);
      ps.setLong(2, streamSeq);
    });
  }

  private Optional<StoredEntry> oneEntry(String what, String sql, SqlCursor.Binder binder) throws LedgerStoreException {
    return read(what, c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        binder.bind(ps);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(entryFrom(rs)) : Optional.<StoredEntry>empty();
        }
      }
    });
  }

  @Override
  public Optional<StreamHead> streamHead(String streamId) throws LedgerStoreException {
    return read("read stream head", c -> {
      if (c == readConn) {
        // The writer asks this for every stream it has not cached (every new decision): compiling
        // the statement each time cost more than the lookup. Kept prepared on the read connection,
        // used only under readLock (held by read()).
        if (streamHeadOnReadConn == null) {
          streamHeadOnReadConn = c.prepareStatement(STREAM_HEAD_SQL);
        }
        return streamHead(streamHeadOnReadConn, streamId);
      }
      try (PreparedStatement ps = c.prepareStatement(STREAM_HEAD_SQL)) {
        return streamHead(ps, streamId);
      }
    });
  }

  private static final String STREAM_HEAD_SQL =
      "SELECT stream_seq, entry_hash FROM entries WHERE stream_id = ? AND leaf_index >= 0 ORDER BY stream_seq DESC LIMIT 1";

  private static Optional<StreamHead> streamHead(PreparedStatement ps, String streamId) throws SQLException {
    ps.setString(1, streamId);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next() ? Optional.of(new StreamHead(rs.getLong(1), rs.getBytes(2))) : Optional.<StreamHead>empty();
    }
  }

  @Override
  public List<byte[]> entryHashes(long from, int count) throws LedgerStoreException {
    return hashes("read entry hashes", "SELECT entry_hash FROM entries WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index",
        null, from, count);
  }

  @Override
  public List<byte[]> nodes(int level, long from, int count) throws LedgerStoreException {
    return hashes("read Merkle nodes", "SELECT hash FROM merkle_nodes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx",
        level, from, count);
  }

  private List<byte[]> hashes(String what, String sql, Integer level, long from, int count) throws LedgerStoreException {
    return read(what, c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        int i = 1;
        if (level != null) {
          ps.setInt(i++, level);
        }
        ps.setLong(i++, from);
        ps.setLong(i, from + count);
        List<byte[]> out = new ArrayList<>(count);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(rs.getBytes(1));
          }
        }
        return out;
      }
    });
  }

  @Override
  public synchronized void commit(List<CommitBatch> batches) throws LedgerStoreException {
    requireWritable();
    long expected = size();
    int rows = 0;
    long bytes = 0; // about what the commit writes, for the checkpointer
    try {
      requireTransaction();
      for (CommitBatch batch : batches) {
        for (StoredEntry e : batch.entries()) {
          if (e.leafIndex() != expected) {
            throw new LedgerStoreException("commit out of order: expected leaf " + expected + ", got " + e.leafIndex());
          }
          expected++;
          insertEntry.setLong(1, e.leafIndex());
          insertEntry.setString(2, e.streamId());
          insertEntry.setLong(3, e.streamSeq());
          insertEntry.setString(4, e.eventType());
          insertEntry.setBytes(5, e.entryHash());
          insertEntry.setBytes(6, e.envelope());
          insertEntry.addBatch();
          bytes += e.envelope().length + 100;
          rows++;
        }
        if (batch.checkpoint().treeSize() != expected) {
          throw new LedgerStoreException("checkpoint tree size " + batch.checkpoint().treeSize()
              + " does not match the ledger size after the batch (" + expected + ")");
        }
        for (StoredNode n : batch.nodes()) {
          insertNode.setInt(1, n.level());
          insertNode.setLong(2, n.index());
          insertNode.setBytes(3, n.hash());
          insertNode.addBatch();
        }
        Checkpoint cp = batch.checkpoint();
        insertCheckpoint.setLong(1, cp.treeSize());
        insertCheckpoint.setBytes(2, cp.rootHash().bytes());
        insertCheckpoint.setString(3, cp.timestamp());
        insertCheckpoint.setString(4, cp.keyId().value());
        insertCheckpoint.setBytes(5, cp.signature());
        insertCheckpoint.setString(6, cp.ledgerId());
        insertCheckpoint.addBatch();
      }
      if (rows > 0) {
        requireOneRowEach("entries", insertEntry.executeBatch());
      }
      requireOneRowEach("merkle_nodes", insertNode.executeBatch());
      requireOneRowEach("checkpoints", insertCheckpoint.executeBatch());
      conn.commit();
      checkpointer.committed(bytes);
      size = expected;
    } catch (SQLException | LedgerStoreException e) {
      try {
        insertEntry.clearBatch();
        insertNode.clearBatch();
        insertCheckpoint.clearBatch();
      } catch (SQLException ignored) {
        // the rollback below is what matters
      }
      rollbackQuietly();
      size = -1;
      if (e instanceof LedgerStoreException lse) {
        throw lse;
      }
      throw fail("commit " + rows + " entries", e);
    }
  }

  /**
   * Every insert must have stored exactly one row. A trigger planted with {@code RAISE(IGNORE)} makes
   * an INSERT succeed while storing nothing; without this check the writer acknowledged appends that
   * were never stored. The commit fails instead (rolled back; the writer fails the batch and reloads).
   */
  private static void requireOneRowEach(String table, int[] counts) throws LedgerStoreException {
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] != 1) {
        throw new CorruptLedgerException("insert " + (i + 1) + " of " + counts.length + " into " + table + " stored "
            + counts[i] + " rows, not 1: something in the database (a trigger?) changed the write; nothing of this"
            + " commit is kept. Run `arbiter ledger verify`");
      }
    }
  }

  /**
   * fsyncs the WAL file ({@code fdatasync}): every transaction whose commit returned before this call
   * is then on disk. Not under the store's lock, so the next commit proceeds meanwhile; concurrent
   * syncs take turns.
   */
  @Override
  public void sync() throws LedgerStoreException {
    requireWritable();
    syncLock.lock();
    try {
      wal.force();
    } catch (java.io.IOException | RuntimeException e) {
      throw SyncFailureMarker.record(file, "cannot sync the ledger's write-ahead log " + wal.path() + ": " + e, e);
    } finally {
      syncLock.unlock();
    }
  }

  /**
   * Opens the descriptor {@link #sync} flushes, at open and not at the first sync (see {@link
   * WalFile}).
   */
  private void openWal() throws LedgerStoreException {
    try {
      wal = WalFile.open(file);
    } catch (java.io.IOException e) {
      throw new LedgerStoreException("cannot open the ledger's write-ahead log " + file + "-wal for syncing: " + e, e);
    }
  }

  private void requireWritable() throws LedgerStoreException {
    if (readOnly) {
      throw new LedgerStoreException("ledger " + file + " is open read-only");
    }
  }

  /**
   * Ends whatever transaction the write connection is in and opens a fresh one, as the driver
   * (autocommit off) expects. SQLite rolls a transaction back by itself on some errors (a full disk,
   * {@code SQLITE_FULL}; an I/O error; a trigger's {@code RAISE(ROLLBACK)}), and leaves the connection
   * in autocommit mode: the driver's own {@code rollback()} then fails ("no transaction is active")
   * before it begins a new transaction, and every later batch's inserts committed one by one. A
   * black-box run on a full disk stored a batch's entries without their checkpoint that way (the
   * ledger no longer verified) and never recovered once space was freed. Here the rollback's failure
   * does not matter; the new transaction does, and if it cannot be begun now, the next commit begins
   * it before its first insert (or fails).
   */
  private void rollbackQuietly() {
    try (Statement st = conn.createStatement()) {
      st.execute("ROLLBACK");
    } catch (SQLException ignored) {
      // no transaction was active (SQLite rolled it back itself), or the connection is unusable
    }
    beginTransaction();
  }

  /** Set when a transaction could not be begun after a failure: the next write begins it first. */
  private boolean needsBegin;

  /** Never insert outside a transaction (see {@link #rollbackQuietly}). */
  private void requireTransaction() throws SQLException {
    if (needsBegin) {
      try (Statement st = conn.createStatement()) {
        st.execute("BEGIN");
      }
      needsBegin = false;
    }
  }

  private void beginTransaction() {
    try (Statement st = conn.createStatement()) {
      st.execute("BEGIN");
      needsBegin = false;
    } catch (SQLException e) {
      needsBegin = true;
    }
  }

  private LedgerStoreException fail(String what, Exception e) {
    String msg = e.getMessage() == null ? e.toString() : e.getMessage();
    if (msg.contains("NOTADB") || msg.contains("not a database") || msg.contains("malformed")) {
      return new NotALedgerException(file + ": cannot " + what + ": " + msg);
    }
    return new LedgerStoreException("ledger " + file + ": cannot " + what + ": " + msg, e);
  }

  @Override
  public synchronized void close() {
    if (checkpointer != null) {
      checkpointer.close();
    }
    // A sync hung in force() (a disk that stopped answering) holds syncLock, and closing the channel
    // would wait for it: cannot be interrupted. Then leave the descriptor to the process's exit.
    if (wal != null && syncLock.tryLock()) {
      try {
        wal.close();
      } catch (java.io.IOException ignored) {
        // closing a read-only descriptor: nothing was buffered in it
      } finally {
        syncLock.unlock();
      }
    }
    try {
      // Every commit ends its own transaction; what is open now holds nothing acknowledged (at most the
      // leftovers of a failed batch). Rolled back, never committed; each resource closed on its own,
      // so that a failure of one (no transaction open after a failure) does not leak the others (review).
      if (!readOnly) {
        try (Statement st = conn.createStatement()) {
          st.execute("ROLLBACK");
        } catch (SQLException ignored) {
          // no transaction was open
        }
      }
      closeQuietly(conn);
      if (readConn != null) {
        synchronized (readLock) {
          if (streamHeadOnReadConn != null) {
            try {
              streamHeadOnReadConn.close();
            } catch (SQLException ignored) {
              // closing
            }
          }
          closeQuietly(readConn);
        }
      }
    } finally {
      if (writerLock != null) {
        writerLock.close();
      }
    }
  }
}
