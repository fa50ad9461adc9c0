package dev.arbiter.ledger.internal;

import dev.arbiter.core.id.Ulid;
import dev.arbiter.ledger.AppendedEvent;
import dev.arbiter.ledger.EntryHash;
import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.LedgerIntegrityException;
import dev.arbiter.ledger.LedgerOptions;
import dev.arbiter.ledger.LedgerUnavailableException;
import dev.arbiter.ledger.Timestamps;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.checkpoint.CheckpointSigner;
import dev.arbiter.ledger.checkpoint.CheckpointVerifier;
import dev.arbiter.ledger.event.EnvelopeEncoder;
import dev.arbiter.ledger.event.EventDraft;
import dev.arbiter.ledger.merkle.MerkleProofs;
import dev.arbiter.ledger.receipt.Receipt;
import dev.arbiter.ledger.store.CommitBatch;
import dev.arbiter.ledger.store.LedgerIdentity;
import dev.arbiter.ledger.store.LedgerStore;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.StoredEntry;
import dev.arbiter.ledger.store.StoredNode;
import dev.arbiter.ledger.store.StreamHead;
import dev.arbiter.ledger.tree.TiledTree;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The write path behind {@link dev.arbiter.ledger.Ledger}, as a three-stage pipeline:
 *
 * <ol>
 *   <li><b>sequencer</b> thread: drains every waiting append into one batch, assigns leaf indices,
 *       stream sequences, ids and the time, hashes the chains, extends the Merkle tree, signs one
 *       checkpoint and builds every receipt;
 *   <li><b>committer</b> thread: writes the batches handed to it in one transaction;
 *   <li><b>syncer</b> thread: makes every transaction committed so far durable ({@link
 *       LedgerStore#sync}, one fsync) and only then completes the callers' futures and publishes the
 *       new latest checkpoint.
 * </ol>
 *
 * While the syncer waits for the disk, the committer writes the next group and the sequencer
 * prepares the one after. A batch is never acknowledged, and its checkpoint never becomes {@link
 * #latestCheckpoint()}, before a sync that started after its commit returned. If a commit fails, that
 * batch and every batch sequenced on top of it fail with {@link LedgerUnavailableException}; the
 * sequencer waits for the pipeline to drain and rebuilds its tree and stream heads from the store
 * before it sequences anything else. If a sync fails, what was committed since the last good sync
 * may or may not be on disk: those appends fail, and the writer stops for good (every later append
 * fails) until the ledger is reopened and reloads what the disk holds; retrying an fsync after a
 * failure can report success for data the kernel already dropped. An append is either durable and
 * acknowledged or failed back to its caller: never dropped.
 *
 * <p>Why one class past 400 lines: the three threads share one failure protocol (the commit-failed
 * flag, the in-flight count, the resync); split apart, that protocol would be spread over files.
 */
public final class GroupCommitWriter implements AutoCloseable {

  private final LedgerStore store;
  private final CheckpointSigner signer;
  private final LedgerIdentity identity;
  private final Clock clock;
  private final Ulid ulid;
  private final LedgerOptions options;
  private final BlockingQueue<Pending> queue;
  private final BlockingQueue<Sequenced> handoff = new ArrayBlockingQueue<>(64);
  /**
   * Committed batches waiting for the syncer. Bounded like the hand-off: while a sync stalls, the
   * committer stops after this many, the sequencer behind it, and new appends fail fast once the
   * queue is full, as they did when the fsync was inside the commit.
   */
  private final BlockingQueue<Sequenced> committed = new ArrayBlockingQueue<>(64);
  private final Map<String, StreamHead> heads;
  private final ReentrantLock treeLock = new ReentrantLock();
  /** How many leaves the committer has written (readable from the store); tiles beyond it stay in the tree. */
  private volatile long committedSize;
  private final ReentrantLock pipeLock = new ReentrantLock();
  private final Condition drained = pipeLock.newCondition();
  /** Signalled when the committer takes sequenced batches off the hand-off queue. */
  private final Condition taken = pipeLock.newCondition();
  private final Thread sequencer;
  private final Thread committer;
  private final Thread syncer;
  private TiledTree tree;
  private volatile Checkpoint latest;
  private volatile boolean running = true;
  private volatile boolean commitFailed;
  private boolean sequencerBroken;
  /** Set when a reload found the stored tree not matching its signed checkpoint: the writer stops for good. */
  private volatile LedgerIntegrityException integrityFailure;
  /** Set when a sync failed: what the disk holds is unknown until the ledger is reopened; the writer stops for good. */
  private volatile LedgerStoreException syncFailure;
  /** The batches the syncer is syncing now (for {@link #close} when that sync never returns). */
  private volatile List<Sequenced> syncing;
  /** The last checkpoint timestamp: timestamps never go backwards, whatever the clock does. */
  private String lastTimestamp;
  private int inFlight;

  /**
   * One atomic append; {@code then}, when not null, builds more events from the receipts of these
   * (see {@link #submit(List, Function)}).
   */
  private record Pending(List<EventDraft> drafts, Function<List<AppendedEvent>, List<EventDraft>> then,
      CompletableFuture<List<AppendedEvent>> future) {}

  private record Staged(Pending pending, List<StoredEntry> rows, List<String> eventIds, List<Long> seqs, List<byte[]> prevs) {}

  /** What one sequencer pass produced: one checkpointed batch, or two when continuations added events. */
  private record Sequenced(List<CommitBatch> batches, List<Pending> pendings, List<List<AppendedEvent>> results) {}

  /** One checkpointed extension of the tree: its rows and nodes, and each append's results. */
  private record Extension(CommitBatch batch, List<List<AppendedEvent>> results) {}

  private static final Sequenced END = new Sequenced(List.of(), List.of(), List.of());
  /** A commit at least this long is logged (see {@link #reportIfSlow}). */
  private static final long SLOW_COMMIT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  public GroupCommitWriter(LedgerStore store, TiledTree tree, CheckpointSigner signer, LedgerIdentity identity,
      Clock clock, Ulid ulid, LedgerOptions options) throws LedgerStoreException {
    this.store = store;
    this.tree = tree;
    this.committedSize = tree.size(); // what the store held when the tree was loaded
    this.signer = signer;
    this.identity = identity;
    this.clock = clock;
    this.ulid = ulid;
    this.options = options;
    this.queue = new ArrayBlockingQueue<>(options.queueCapacity());
    int cacheSize = options.streamHeadCache();
    this.heads = new LinkedHashMap<>(1024, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, StreamHead> eldest) {
        return size() > cacheSize;
      }
    };
    // A previous process may have committed without syncing (it died between the two): make that
    // durable before its checkpoint is published again.
    store.sync();
    this.latest = store.latestCheckpoint().orElseThrow();
    this.lastTimestamp = latest.timestamp();
    // Short names: the kernel keeps 15 characters, and top -H should tell the three apart.
    this.syncer = Thread.ofPlatform().name("ledger-sync").daemon(true).start(this::syncLoop);
    this.committer = Thread.ofPlatform().name("ledger-commit").daemon(true).start(this::commitLoop);
    this.sequencer = Thread.ofPlatform().name("ledger-sequence").daemon(true).start(this::sequenceLoop);
  }

  public CompletableFuture<List<AppendedEvent>> submit(List<EventDraft> drafts) {
    return submit(drafts, null);
  }

  /**
   * Appends {@code drafts} and, in the same transaction, the events {@code then} builds from their
   * receipts: the receipts are against a checkpoint signed right after {@code drafts} (stored with
   * the batch), and the follow-up events get their own checkpoint. {@code then} runs on the
   * sequencer thread, so it must be quick and must not wait for the ledger; if it throws or returns
   * nothing, only {@code drafts} are appended. Completes, once durable, with the results of {@code
   * drafts} followed by those of the follow-up events.
   */
  public CompletableFuture<List<AppendedEvent>> submit(List<EventDraft> drafts,
      Function<List<AppendedEvent>, List<EventDraft>> then) {
    CompletableFuture<List<AppendedEvent>> f = new CompletableFuture<>();
    if (drafts.isEmpty() || drafts.size() > options.maxBatchEvents()) {
      f.completeExceptionally(new IllegalArgumentException(
          "an atomic append holds 1.." + options.maxBatchEvents() + " events, got " + drafts.size()));
      return f;
    }
    LedgerIntegrityException broken = integrityFailure;
    if (broken != null) {
      f.completeExceptionally(new LedgerUnavailableException("the ledger refuses to extend: " + broken.getMessage(), broken));
      return f;
    }
    LedgerStoreException unsynced = syncFailure;
    if (unsynced != null) {
      f.completeExceptionally(stoppedBy(unsynced));
      return f;
    }
    if (!running) {
      f.completeExceptionally(new LedgerUnavailableException("the ledger is closed", null));
      return f;
    }
    Pending p = new Pending(List.copyOf(drafts), then, f);
    if (!queue.offer(p)) {
      f.completeExceptionally(new LedgerUnavailableException(
          "the ledger's append queue is full (" + options.queueCapacity() + "); retry later", null));
    } else if (!running && queue.remove(p)) {
      // close() ran between the check above and the offer: nobody will take it.
      f.completeExceptionally(new LedgerUnavailableException("the ledger is closed", null));
    }
    return f;
  }

  public Checkpoint latestCheckpoint() {
    return latest;
  }

  public LedgerIdentity identity() {
    return identity;
  }

  /** Runs {@code fn} on the tree under the sequencer's lock and wraps the hashes it returns. */
  public List<HashValue> withTree(Function<TiledTree, List<byte[]>> fn) throws LedgerStoreException {
    treeLock.lock();
    try {
      return fn.apply(tree).stream().map(HashValue::of).toList();
    } catch (TiledTree.TreeReadException e) {
      throw e.getCause();
    } finally {
      treeLock.unlock();
    }
  }

  // ------------------------------------------------------------------------------ sequencer

  private void sequenceLoop() {
    List<Pending> batch = new ArrayList<>();
    while (running || !queue.isEmpty()) {
      // Keep at most one sequenced batch waiting for the committer: while it commits, appends
      // gather in the queue and become one larger batch (one checkpoint signature, not many).
      awaitHandoffTaken();
      Pending first;
      try {
        first = queue.poll(50, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        continue;
      }
      if (first == null) {
        continue;
      }
      batch.add(first);
      int events = first.drafts().size();
      Pending next;
      while (events < options.maxBatchEvents() && (next = queue.peek()) != null
          && events + next.drafts().size() <= options.maxBatchEvents()) {
        batch.add(queue.poll());
        events += next.drafts().size();
      }
      // Read once: a sync that fails from here on sets commitFailed too, and a reload decided after
      // this point would run without the wait below (and could publish what that sync lost).
      boolean rebuild = commitFailed || sequencerBroken;
      if (rebuild) {
        awaitDrained(); // after this, a sync that failed in the meantime has set syncFailure
      }
      if (syncFailure != null) {
        failAll(batch, stoppedBy(syncFailure));
        batch.clear();
        continue;
      }
      Sequenced s = null;
      try {
        if (integrityFailure != null) {
          throw new LedgerStoreException("the ledger refuses to extend: " + integrityFailure.getMessage(), integrityFailure);
        }
        if (rebuild) {
          resync();
        }
        s = sequence(batch);
      } catch (LedgerIntegrityException e) {
        integrityFailure = e;
        failAll(batch, new LedgerUnavailableException("the ledger refuses to extend: " + e.getMessage(), e));
      } catch (LedgerStoreException e) {
        sequencerBroken = true;
        failAll(batch, syncFailure != null ? stoppedBy(syncFailure)
            : new LedgerUnavailableException("the ledger store is unavailable: " + e.getMessage(), e));
      } catch (RuntimeException | Error e) {
        sequencerBroken = true;
        failAll(batch, new LedgerUnavailableException("ledger writer failed: " + e, e));
      }
      if (s != null) {
        handOff(s);
      }
      batch.clear();
    }
    handOff(END);
  }

  private void handOff(Sequenced s) {
    pipeLock.lock();
    try {
      inFlight++;
    } finally {
      pipeLock.unlock();
    }
    put(handoff, s); // the batch must reach the committer or be failed there
  }

  /** Puts {@code s} on {@code q}, waiting for room however often the thread is interrupted. */
  private static void put(BlockingQueue<Sequenced> q, Sequenced s) {
    while (true) {
      try {
        q.put(s);
        return;
      } catch (InterruptedException e) {
        // keep trying: a sequenced batch must reach the next stage to be acknowledged or failed
      }
    }
  }

  /**
   * Waits until the committer took the batch handed to it (it signals {@link #taken}); the timeout
   * only re-checks that the committer is still alive and has not failed. A poll every 20 µs, as
   * before, woke this thread ~50 times per commit.
   */
  private void awaitHandoffTaken() {
    pipeLock.lock();
    try {
      while (!handoff.isEmpty() && !commitFailed && committer.isAlive()) {
        taken.awaitNanos(1_000_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // nobody interrupts the sequencer; keep the status if someone did
    } finally {
      pipeLock.unlock();
    }
  }

  private void awaitDrained() {
    pipeLock.lock();
    try {
      while (inFlight > 0) {
        drained.awaitUninterruptibly();
      }
    } finally {
      pipeLock.unlock();
    }
  }

  /** Sequences one batch: everything but the commit. Returns null when every append in it was malformed. */
  private Sequenced sequence(List<Pending> batch) throws LedgerStoreException {
    treeLock.lock();
    try {
      String now = Timestamps.format(clock.instant());
      if (now.compareTo(lastTimestamp) < 0) {
        now = lastTimestamp; // the clock stepped back: checkpoints must not (verification requires order)
      }
      byte[] nowBytes = EnvelopeEncoder.timestamp(now); // one time for the whole batch: checked once
      Map<String, StreamHead> local = new HashMap<>();
      List<Staged> staged = new ArrayList<>(batch.size());
      long leaf = tree.size();
      for (Pending p : batch) {
        Staged st;
        try {
          st = stage(p, leaf, nowBytes, local);
        } catch (IllegalArgumentException e) {
          p.future().completeExceptionally(e); // this append alone is malformed
          continue;
        }
        staged.add(st);
        leaf += st.rows().size();
      }
      if (staged.isEmpty()) {
        return null;
      }
      heads.putAll(local);
      Extension first = extend(staged, now);
      List<Pending> pendings = new ArrayList<>(staged.size());
      List<List<AppendedEvent>> results = new ArrayList<>(first.results());
      staged.forEach(st -> pendings.add(st.pending()));
      List<CommitBatch> batches = new ArrayList<>(2);
      batches.add(first.batch());
      // Continuations: follow-up events built from the receipts just made, in the same commit. They
      // may sign (a grant per decision), so several run in parallel while the sequencer waits.
      List<List<EventDraft>> built = followUps(staged, results);
      List<Staged> more = new ArrayList<>();
      List<Integer> owners = new ArrayList<>();
      for (int i = 0; i < staged.size(); i++) {
        List<EventDraft> next = built.get(i);
        if (next == null || next.isEmpty()) {
          continue;
        }
        try {
          more.add(stage(new Pending(next, null, staged.get(i).pending().future()), leaf, nowBytes, local));
        } catch (IllegalArgumentException e) {
          warnFollowUp(e); // a malformed follow-up: the append stands alone
          continue;
        }
        owners.add(i);
        leaf += next.size();
      }
      if (!more.isEmpty()) {
        heads.putAll(local);
        Extension second = extend(more, now);
        batches.add(second.batch());
        for (int k = 0; k < more.size(); k++) {
          List<AppendedEvent> all = new ArrayList<>(results.get(owners.get(k)));
          all.addAll(second.results().get(k));
          results.set(owners.get(k), all);
        }
      }
      lastTimestamp = now;
      return new Sequenced(batches, pendings, results);
    } catch (TiledTree.TreeReadException e) {
      throw e.getCause();
    } finally {
      treeLock.unlock();
    }
  }

  /** Each staged append's follow-up events (null when it has none or building them failed). */
  private List<List<EventDraft>> followUps(List<Staged> staged, List<List<AppendedEvent>> results) {
    List<Integer> with = new ArrayList<>();
    for (int i = 0; i < staged.size(); i++) {
      if (staged.get(i).pending().then() != null) {
        with.add(i);
      }
    }
    List<EventDraft>[] built = newDraftLists(staged.size());
    java.util.function.IntConsumer build = i -> {
      try {
        List<EventDraft> next = staged.get(i).pending().then().apply(List.copyOf(results.get(i)));
        if (next != null && next.size() > options.maxBatchEvents()) {
          throw new IllegalArgumentException("a follow-up holds at most " + options.maxBatchEvents() + " events");
        }
        built[i] = next == null ? null : List.copyOf(next);
      } catch (RuntimeException e) {
        warnFollowUp(e); // the follow-up is the caller's to retry; the append itself stands
      }
    };
    if (with.size() > 1) {
      with.parallelStream().forEach(build::accept); // joined before returning: the writes are visible
    } else {
      with.forEach(build::accept);
    }
    return java.util.Arrays.asList(built);
  }

  @SuppressWarnings("unchecked")
  private static List<EventDraft>[] newDraftLists(int n) {
    return (List<EventDraft>[]) new List<?>[n];
  }

  private static void warnFollowUp(RuntimeException e) {
    System.getLogger(GroupCommitWriter.class.getName()).log(System.Logger.Level.WARNING,
        "an append's follow-up events were not built; appending it alone: " + e);
  }

  /** Appends the staged rows to the tree, signs one checkpoint over them and builds their receipts. */
  private Extension extend(List<Staged> staged, String now) {
    int count = 0;
    for (Staged st : staged) {
      count += st.rows().size();
    }
    List<StoredEntry> rows = new ArrayList<>(count);
    List<StoredNode> nodes = new ArrayList<>(count / 256 + 2);
    tree.releaseCompleted(committedSize); // only tiles the store holds in full (see there)
    for (Staged st : staged) {
      for (StoredEntry row : st.rows()) {
        nodes.addAll(tree.append(row.entryHash()));
        rows.add(row);
      }
    }
    Checkpoint cp = signer.sign(identity.ledgerId(), tree.size(), HashValue.of(tree.root()), now);
    List<List<AppendedEvent>> results = new ArrayList<>(staged.size());
    long firstLeaf = rows.get(0).leafIndex();
    // The batch's proofs share most of their hashes: each is wrapped once (see inclusionRange).
    List<List<HashValue>> paths = MerkleProofs.inclusionRange(tree, firstLeaf, rows.size(), cp.treeSize(), HashValue::of);
    for (Staged st : staged) {
      List<AppendedEvent> out = new ArrayList<>(st.rows().size());
      for (int i = 0; i < st.rows().size(); i++) {
        StoredEntry row = st.rows().get(i);
        List<HashValue> proof = paths.get((int) (row.leafIndex() - firstLeaf));
        EventDraft d = st.pending().drafts().get(i);
        out.add(new AppendedEvent(EnvelopeEncoder.envelope(d, st.eventIds().get(i), row.leafIndex(), st.seqs().get(i), now),
            new Receipt(row.leafIndex(), HashValue.of(row.entryHash()), proof, cp, HashValue.of(st.prevs().get(i)))));
      }
      results.add(out);
    }
    return new Extension(new CommitBatch(rows, nodes, cp), results);
  }

  /** Builds the rows of one append; touches shared state only through {@code local}. */
  private Staged stage(Pending p, long firstLeaf, byte[] now, Map<String, StreamHead> local) throws LedgerStoreException {
    Map<String, StreamHead> trial = new HashMap<>();
    int n = p.drafts().size();
    List<StoredEntry> rows = new ArrayList<>(n);
    List<String> ids = new ArrayList<>(n);
    List<Long> seqs = new ArrayList<>(n);
    List<byte[]> prevs = new ArrayList<>(n);
    long leaf = firstLeaf;
    for (EventDraft d : p.drafts()) {
      StreamHead head = trial.get(d.streamId());
      if (head == null) {
        head = local.get(d.streamId());
      }
      if (head == null) {
        head = heads.get(d.streamId());
      }
      if (head == null) {
        head = store.streamHead(d.streamId()).orElse(null);
      }
      long seq = head == null ? 0 : head.streamSeq() + 1;
      byte[] prev = head == null ? EntryHash.genesis() : head.entryHash();
      String eventId = "evt_" + ulid.next();
      byte[] bytes = EnvelopeEncoder.encode(d, eventId, leaf, seq, now);
      byte[] entryHash = EntryHash.compute(prev, bytes);
      rows.add(new StoredEntry(leaf++, d.streamId(), seq, d.eventType(), entryHash, bytes));
      ids.add(eventId);
      seqs.add(seq);
      prevs.add(prev);
      trial.put(d.streamId(), new StreamHead(seq, entryHash));
    }
    local.putAll(trial);
    return new Staged(p, rows, ids, seqs, prevs);
  }

  /**
   * Rebuilds the tree and stream heads from the store after a failure, checking the stored tree
   * against the latest signed checkpoint exactly as on open: the writer never signs over data it
   * reloaded without checking.
   */
  private void resync() throws LedgerStoreException, LedgerIntegrityException {
    // What the store holds may include a commit whose group failed after it was written: make it
    // durable before the reloaded checkpoint is published, or stop.
    try {
      store.sync();
    } catch (LedgerStoreException e) {
      syncFailure = e;
      commitFailed = true;
      logStopped(e);
      throw e;
    }
    LedgerStoreException failed = syncFailure;
    if (failed != null) { // the syncer's sync failed meanwhile; this one may have succeeded over lost pages
      throw failed;
    }
    treeLock.lock();
    try {
      heads.clear();
      tree = VerifiedTree.load(store, new CheckpointVerifier(signer.key().verifyingKey()), identity);
      committedSize = tree.size();
      latest = store.latestCheckpoint().orElseThrow();
      if (latest.timestamp().compareTo(lastTimestamp) > 0) {
        lastTimestamp = latest.timestamp();
      }
      commitFailed = false;
      sequencerBroken = false;
    } catch (TiledTree.TreeReadException e) {
      throw e.getCause();
    } finally {
      treeLock.unlock();
    }
  }

  // ------------------------------------------------------------------------------ committer

  private void commitLoop() {
    List<Sequenced> group = new ArrayList<>();
    boolean end = false;
    while (!end) {
      end = takeAll(handoff, group);
      pipeLock.lock();
      try {
        taken.signalAll();
      } finally {
        pipeLock.unlock();
      }
      boolean toSync = false;
      try {
        toSync = commitGroup(group);
      } catch (Throwable t) {
        // Never leave a caller waiting, whatever went wrong; and rebuild before the next batch.
        commitFailed = true;
        for (Sequenced s : group) {
          failAll(s.pendings(), new LedgerUnavailableException("ledger committer failed: " + t, t));
        }
      } finally {
        if (toSync) {
          group.forEach(s -> put(committed, s)); // the syncer acknowledges them and counts them done
        } else {
          done(group.size());
        }
        group.clear();
      }
    }
    put(committed, END);
  }

  /** Waits for one item, then takes every waiting one; true when the last was {@link #END} (not kept). */
  private static boolean takeAll(BlockingQueue<Sequenced> from, List<Sequenced> into) {
    while (into.isEmpty()) {
      try {
        into.add(from.take());
      } catch (InterruptedException e) {
        // nobody interrupts the pipeline's threads; only END stops them
      }
    }
    from.drainTo(into);
    if (into.get(into.size() - 1) == END) {
      into.remove(into.size() - 1);
      return true;
    }
    return false;
  }

  /**
   * Commits every batch sequenced so far in one transaction. Returns true when it committed them
   * (they go to the syncer), false when it failed them.
   */
  private boolean commitGroup(List<Sequenced> group) {
    if (group.isEmpty()) {
      return false;
    }
    if (commitFailed || syncFailure != null) {
      for (Sequenced s : group) {
        failAll(s.pendings(), syncFailure != null ? stoppedBy(syncFailure) : new LedgerUnavailableException(
            "the ledger could not confirm an earlier write this batch depends on; retry", null));
      }
      return false;
    }
    List<CommitBatch> batches = group.stream().flatMap(s -> s.batches().stream()).toList();
    long started = System.nanoTime();
    try {
      store.commit(batches);
      committedSize = batches.get(batches.size() - 1).checkpoint().treeSize();
    } catch (LedgerStoreException | RuntimeException | Error e) {
      commitFailed = true;
      for (Sequenced s : group) {
        failAll(s.pendings(), new LedgerUnavailableException("the ledger could not confirm the write: " + e.getMessage(), e));
      }
      return false;
    }
    reportIfSlow(System.nanoTime() - started, batches, "write");
    return true;
  }

  // ------------------------------------------------------------------------------ syncer

  private void syncLoop() {
    List<Sequenced> batches = new ArrayList<>();
    boolean end = false;
    while (!end) {
      end = takeAll(committed, batches);
      syncing = List.copyOf(batches);
      try {
        if (syncFailure != null) {
          // Committed behind the failed sync. A sync now may succeed (Linux reports a write error
          // once) though these frames follow the lost ones in the WAL, where recovery stops.
          for (Sequenced s : batches) {
            failAll(s.pendings(), stoppedBy(syncFailure));
          }
        } else {
          syncAndAcknowledge(batches);
        }
      } catch (LedgerStoreException | RuntimeException | Error e) {
        stop(e, batches);
      } finally {
        syncing = null;
        done(batches.size() + (end ? 1 : 0));
        batches.clear();
      }
    }
  }

  /** One fsync for every batch committed so far, then their acknowledgements and their checkpoint. */
  private void syncAndAcknowledge(List<Sequenced> batches) throws LedgerStoreException {
    if (batches.isEmpty()) {
      return;
    }
    long started = System.nanoTime();
    store.sync();
    LedgerStoreException failed = syncFailure;
    if (failed != null) { // another sync (a reload's) failed meanwhile: this one proves nothing
      throw failed;
    }
    long nanos = System.nanoTime() - started;
    if (nanos >= SLOW_COMMIT_NANOS) { // the list only for the log line, not on every sync
      reportIfSlow(nanos, batches.stream().flatMap(s -> s.batches().stream()).toList(), "sync");
    }
    List<CommitBatch> last = batches.get(batches.size() - 1).batches();
    latest = last.get(last.size() - 1).checkpoint();
    for (Sequenced s : batches) {
      for (int i = 0; i < s.pendings().size(); i++) {
        s.pendings().get(i).future().complete(s.results().get(i));
      }
    }
  }

  /**
   * After a failed sync: fails the batches it covered and stops the writer. The kernel may already
   * have dropped the pages it could not write, so a later sync that succeeds proves nothing about
   * these; only reopening the ledger (which reloads and checks what the disk holds) starts it again.
   */
  private void stop(Throwable cause, List<Sequenced> batches) {
    LedgerStoreException failure = cause instanceof LedgerStoreException lse ? lse
        : new LedgerStoreException("ledger syncer failed: " + cause, cause);
    syncFailure = failure;
    commitFailed = true;
    for (Sequenced s : batches) {
      failAll(s.pendings(), stoppedBy(failure));
    }
    logStopped(failure); // after the callers are answered: nothing here may leave them waiting
  }

  private static void logStopped(LedgerStoreException failure) {
    System.getLogger(GroupCommitWriter.class.getName()).log(System.Logger.Level.ERROR,
        "ledger sync failed; the writer stops and refuses every append until the ledger is reopened: " + failure.getMessage());
  }

  private static LedgerUnavailableException stoppedBy(LedgerStoreException syncFailure) {
    return new LedgerUnavailableException("the ledger could not make its writes durable and stopped; appends since the last"
        + " good sync may or may not be recorded; reopen the ledger: " + syncFailure.getMessage(), syncFailure);
  }

  /**
   * Says so when a commit took half a second or more: every append in it (and every caller waiting
   * on one) waited that long, and the usual cause, a disk whose fsync stalls or another process
   * holding the write lock, is otherwise invisible. At most one line per slow commit.
   */
  private static void reportIfSlow(long nanos, List<CommitBatch> batches, String step) {
    if (nanos < SLOW_COMMIT_NANOS) {
      return;
    }
    int events = 0;
    for (CommitBatch b : batches) {
      events += b.entries().size();
    }
    System.getLogger(GroupCommitWriter.class.getName()).log(System.Logger.Level.WARNING,
        "slow ledger commit: {0} ms to {1} {2} event(s); every append in it waited as long",
        String.valueOf(nanos / 1_000_000), step, String.valueOf(events));
  }

  private void done(int batches) {
    pipeLock.lock();
    try {
      inFlight -= batches;
      drained.signalAll();
    } finally {
      pipeLock.unlock();
    }
  }

  private static void failAll(List<Pending> batch, Exception e) {
    for (Pending p : batch) {
      p.future().completeExceptionally(e);
    }
  }

  @Override
  public void close() {
    running = false;
    try {
      sequencer.join(30_000);
      committer.join(30_000);
      syncer.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Pending p;
    while ((p = queue.poll()) != null) {
      p.future().completeExceptionally(new LedgerUnavailableException("the ledger is closed", null));
    }
    // Threads still alive after their joins are stuck (a sync that never returns): answer the appends
    // they hold. A later completion by such a thread is then a no-op.
    List<Sequenced> stuck = new ArrayList<>();
    handoff.drainTo(stuck);
    committed.drainTo(stuck);
    List<Sequenced> inSync = syncing;
    if (inSync != null) {
      stuck.addAll(inSync);
    }
    for (Sequenced s : stuck) {
      failAll(s.pendings(), new LedgerUnavailableException("the ledger closed while this append waited for the disk;"
          + " it may or may not be recorded", null));
    }
  }
}
