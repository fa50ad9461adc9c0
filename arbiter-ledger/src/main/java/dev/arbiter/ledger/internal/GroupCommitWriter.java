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
 * The write path behind {@link dev.arbiter.ledger.Ledger}, as a two-stage pipeline:
 *
 * <ol>
 *   <li><b>sequencer</b> thread: drains every waiting append into one batch, assigns leaf indices,
 *       stream sequences, ids and the time, hashes the chains, extends the Merkle tree, signs one
 *       checkpoint and builds every receipt;
 *   <li><b>committer</b> thread: writes the batch in one transaction (one fsync) and only then
 *       completes the callers' futures.
 * </ol>
 *
 * While the committer waits for the disk, the sequencer prepares the next batch (at most two are in
 * flight). A batch is never acknowledged before its commit returned. If a commit fails, that batch
 * and every batch sequenced on top of it fail with {@link LedgerUnavailableException}; the sequencer
 * waits for the pipeline to drain and rebuilds its tree and stream heads from the store before it
 * sequences anything else. An append is either committed and acknowledged or failed back to its
 * caller: never dropped.
 *
 * <p>Why one class past 400 lines: the two threads share one failure protocol (the commit-failed
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
  private final Map<String, StreamHead> heads;
  private final ReentrantLock treeLock = new ReentrantLock();
  private final ReentrantLock pipeLock = new ReentrantLock();
  private final Condition drained = pipeLock.newCondition();
  private final Thread sequencer;
  private final Thread committer;
  private TiledTree tree;
  private volatile Checkpoint latest;
  private volatile boolean running = true;
  private volatile boolean commitFailed;
  private boolean sequencerBroken;
  /** Set when a reload found the stored tree not matching its signed checkpoint: the writer stops for good. */
  private volatile LedgerIntegrityException integrityFailure;
  /** The last checkpoint timestamp: timestamps never go backwards, whatever the clock does. */
  private String lastTimestamp;
  private int inFlight;

  private record Pending(List<EventDraft> drafts, CompletableFuture<List<AppendedEvent>> future) {}

  private record Staged(Pending pending, List<StoredEntry> rows, List<String> eventIds, List<Long> seqs, List<byte[]> prevs) {}

  private record Sequenced(CommitBatch batch, List<Pending> pendings, List<List<AppendedEvent>> results) {}

  private static final Sequenced END = new Sequenced(null, List.of(), List.of());

  public GroupCommitWriter(LedgerStore store, TiledTree tree, CheckpointSigner signer, LedgerIdentity identity,
      Clock clock, Ulid ulid, LedgerOptions options) throws LedgerStoreException {
    this.store = store;
    this.tree = tree;
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
    this.latest = store.latestCheckpoint().orElseThrow();
    this.lastTimestamp = latest.timestamp();
    this.committer = Thread.ofPlatform().name("arbiter-ledger-committer").daemon(true).start(this::commitLoop);
    this.sequencer = Thread.ofPlatform().name("arbiter-ledger-sequencer").daemon(true).start(this::sequenceLoop);
  }

  public CompletableFuture<List<AppendedEvent>> submit(List<EventDraft> drafts) {
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
    if (!running) {
      f.completeExceptionally(new LedgerUnavailableException("the ledger is closed", null));
      return f;
    }
    Pending p = new Pending(List.copyOf(drafts), f);
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
      Sequenced s = null;
      try {
        if (integrityFailure != null) {
          throw new LedgerStoreException("the ledger refuses to extend: " + integrityFailure.getMessage(), integrityFailure);
        }
        if (commitFailed || sequencerBroken) {
          awaitDrained();
          resync();
        }
        s = sequence(batch);
      } catch (LedgerIntegrityException e) {
        integrityFailure = e;
        failAll(batch, new LedgerUnavailableException("the ledger refuses to extend: " + e.getMessage(), e));
      } catch (LedgerStoreException e) {
        sequencerBroken = true;
        failAll(batch, new LedgerUnavailableException("the ledger store is unavailable: " + e.getMessage(), e));
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
    while (true) {
      try {
        handoff.put(s);
        return;
      } catch (InterruptedException e) {
        // keep trying: the batch must reach the committer or be failed there
      }
    }
  }

  private void awaitHandoffTaken() {
    while (!handoff.isEmpty() && !commitFailed && committer.isAlive()) {
      java.util.concurrent.locks.LockSupport.parkNanos(20_000);
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
      List<StoredEntry> rows = new ArrayList<>((int) (leaf - tree.size()));
      List<StoredNode> nodes = new ArrayList<>();
      for (Staged st : staged) {
        for (StoredEntry row : st.rows()) {
          nodes.addAll(tree.append(row.entryHash()));
          rows.add(row);
        }
      }
      heads.putAll(local);
      Checkpoint cp = signer.sign(identity.ledgerId(), tree.size(), HashValue.of(tree.root()), now);
      lastTimestamp = now;
      List<Pending> pendings = new ArrayList<>(staged.size());
      List<List<AppendedEvent>> results = new ArrayList<>(staged.size());
      long firstLeaf = rows.get(0).leafIndex();
      List<List<byte[]>> paths = MerkleProofs.inclusionRange(tree, firstLeaf, rows.size(), cp.treeSize());
      for (Staged st : staged) {
        List<AppendedEvent> out = new ArrayList<>(st.rows().size());
        for (int i = 0; i < st.rows().size(); i++) {
          StoredEntry row = st.rows().get(i);
          List<byte[]> path = paths.get((int) (row.leafIndex() - firstLeaf));
          List<HashValue> proof = new ArrayList<>(path.size());
          for (byte[] h : path) {
            proof.add(HashValue.of(h));
          }
          EventDraft d = st.pending().drafts().get(i);
          out.add(new AppendedEvent(EnvelopeEncoder.envelope(d, st.eventIds().get(i), row.leafIndex(), st.seqs().get(i), now),
              new Receipt(row.leafIndex(), HashValue.of(row.entryHash()), proof, cp, HashValue.of(st.prevs().get(i)))));
        }
        pendings.add(st.pending());
        results.add(out);
      }
      return new Sequenced(new CommitBatch(rows, nodes, cp), pendings, results);
    } catch (TiledTree.TreeReadException e) {
      throw e.getCause();
    } finally {
      treeLock.unlock();
    }
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
    treeLock.lock();
    try {
      heads.clear();
      tree = VerifiedTree.load(store, new CheckpointVerifier(signer.key().verifyingKey()), identity);
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
      try {
        group.add(handoff.take());
      } catch (InterruptedException e) {
        continue;
      }
      handoff.drainTo(group);
      if (group.get(group.size() - 1) == END) {
        group.remove(group.size() - 1);
        end = true;
      }
      try {
        commitGroup(group);
      } catch (Throwable t) {
        // Never leave a caller waiting, whatever went wrong; and rebuild before the next batch.
        commitFailed = true;
        for (Sequenced s : group) {
          failAll(s.pendings(), new LedgerUnavailableException("ledger committer failed: " + t, t));
        }
      } finally {
        done(group.size() + (end ? 1 : 0));
        group.clear();
      }
    }
  }

  /** Commits every batch sequenced so far in one transaction (one fsync), then acknowledges them. */
  private void commitGroup(List<Sequenced> group) {
    if (group.isEmpty()) {
      return;
    }
    if (commitFailed) {
      for (Sequenced s : group) {
        failAll(s.pendings(), new LedgerUnavailableException(
            "the ledger could not confirm an earlier write this batch depends on; retry", null));
      }
      return;
    }
    try {
      store.commit(group.stream().map(Sequenced::batch).toList());
    } catch (LedgerStoreException | RuntimeException | Error e) {
      commitFailed = true;
      for (Sequenced s : group) {
        failAll(s.pendings(), new LedgerUnavailableException("the ledger could not confirm the write: " + e.getMessage(), e));
      }
      return;
    }
    latest = group.get(group.size() - 1).batch().checkpoint();
    for (Sequenced s : group) {
      for (int i = 0; i < s.pendings().size(); i++) {
        s.pendings().get(i).future().complete(s.results().get(i));
      }
    }
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
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Pending p;
    while ((p = queue.poll()) != null) {
      p.future().completeExceptionally(new LedgerUnavailableException("the ledger is closed", null));
    }
  }
}
