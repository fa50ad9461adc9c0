package dev.arbiter.ledger.internal;

import dev.arbiter.core.id.Ulid;
import dev.arbiter.ledger.AppendedEvent;
import dev.arbiter.ledger.EntryHash;
import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.LedgerOptions;
import dev.arbiter.ledger.LedgerUnavailableException;
import dev.arbiter.ledger.Timestamps;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.checkpoint.CheckpointSigner;
import dev.arbiter.ledger.event.EventDraft;
import dev.arbiter.ledger.event.EventEnvelope;
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
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The single writer thread behind {@link dev.arbiter.ledger.Ledger}: it drains every append waiting
 * in the queue into one batch, sequences and hashes it, signs one checkpoint, commits it in one
 * transaction (one fsync), and only then completes each caller's future with its receipt.
 *
 * <p>If a commit fails, nothing of the batch is acknowledged, the in-memory tree and stream heads are
 * rebuilt from the store before the next batch, and every caller gets {@link
 * LedgerUnavailableException}. An append is never dropped silently: it is either committed and
 * acknowledged or failed back to its caller.
 */
public final class GroupCommitWriter implements AutoCloseable {
  private final LedgerStore store;
  private final CheckpointSigner signer;
  private final LedgerIdentity identity;
  private final Clock clock;
  private final Ulid ulid;
  private final LedgerOptions options;
  private final BlockingQueue<Pending> queue;
  private final Map<String, StreamHead> heads;
  private final ReentrantLock treeLock = new ReentrantLock();
  private final Thread thread;
  private TiledTree tree;
  private volatile Checkpoint latest;
  private volatile boolean running = true;
  private boolean needsResync;

  private record Pending(List<EventDraft> drafts, CompletableFuture<List<AppendedEvent>> future) {}

  private record Staged(Pending pending, List<EventEnvelope> envelopes, List<StoredEntry> rows) {}

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
    this.thread = Thread.ofPlatform().name("arbiter-ledger-writer").daemon(true).start(this::run);
  }

  public CompletableFuture<List<AppendedEvent>> submit(List<EventDraft> drafts) {
    CompletableFuture<List<AppendedEvent>> f = new CompletableFuture<>();
    if (drafts.isEmpty() || drafts.size() > options.maxBatchEvents()) {
      f.completeExceptionally(new IllegalArgumentException(
          "an atomic append holds 1.." + options.maxBatchEvents() + " events, got " + drafts.size()));
      return f;
    }
    if (!running) {
      f.completeExceptionally(new LedgerUnavailableException("the ledger is closed", null));
      return f;
    }
    if (!queue.offer(new Pending(List.copyOf(drafts), f))) {
      f.completeExceptionally(new LedgerUnavailableException(
          "the ledger's append queue is full (" + options.queueCapacity() + "); retry later", null));
    }
    return f;
  }

  public Checkpoint latestCheckpoint() {
    return latest;
  }

  public LedgerIdentity identity() {
    return identity;
  }

  /** Runs {@code fn} on the tree under the writer's lock and wraps the hashes it returns. */
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

  private void run() {
    List<Pending> batch = new ArrayList<>();
    while (running || !queue.isEmpty()) {
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
      try {
        process(batch);
      } catch (RuntimeException | Error e) {
        // Never leave a caller waiting: whatever went wrong, the batch fails closed.
        needsResync = true;
        failAll(batch, new LedgerUnavailableException("ledger writer failed: " + e, e));
      }
      batch.clear();
    }
  }

  private void process(List<Pending> batch) {
    treeLock.lock();
    try {
      if (needsResync) {
        try {
          resync();
        } catch (LedgerStoreException | RuntimeException e) {
          failAll(batch, new LedgerUnavailableException("the ledger store is unavailable: " + e.getMessage(), e));
          return;
        }
      }
      String now = Timestamps.format(clock.instant());
      Map<String, StreamHead> local = new HashMap<>();
      List<Staged> staged = new ArrayList<>(batch.size());
      long leaf = tree.size();
      for (Pending p : batch) {
        Staged s;
        try {
          s = stage(p, leaf, now, local);
        } catch (LedgerStoreException e) {
          failAll(batch, new LedgerUnavailableException("the ledger store is unavailable: " + e.getMessage(), e));
          return;
        } catch (RuntimeException e) {
          // This append is malformed (e.g. its payload cannot be canonicalised): fail it alone.
          p.future().completeExceptionally(e);
          continue;
        }
        staged.add(s);
        leaf += s.rows().size();
      }
      if (staged.isEmpty()) {
        return;
      }
      List<StoredEntry> rows = new ArrayList<>();
      List<StoredNode> nodes = new ArrayList<>();
      for (Staged s : staged) {
        for (StoredEntry row : s.rows()) {
          nodes.addAll(tree.append(row.entryHash()));
          rows.add(row);
        }
      }
      Checkpoint cp = signer.sign(identity.ledgerId(), tree.size(), HashValue.of(tree.root()), now);
      try {
        store.commit(new CommitBatch(rows, nodes, cp));
      } catch (LedgerStoreException | RuntimeException e) {
        needsResync = true;
        failAll(staged.stream().map(Staged::pending).toList(),
            new LedgerUnavailableException("the ledger could not confirm the write: " + e.getMessage(), e));
        return;
      }
      latest = cp;
      heads.putAll(local);
      for (Staged s : staged) {
        List<AppendedEvent> out = new ArrayList<>(s.rows().size());
        for (int i = 0; i < s.rows().size(); i++) {
          StoredEntry row = s.rows().get(i);
          List<HashValue> proof = MerkleProofs.inclusion(tree, row.leafIndex(), cp.treeSize())
              .stream().map(HashValue::of).toList();
          out.add(new AppendedEvent(s.envelopes().get(i),
              new Receipt(row.leafIndex(), HashValue.of(row.entryHash()), proof, cp)));
        }
        s.pending().future().complete(out);
      }
    } finally {
      treeLock.unlock();
    }
  }

  /** Builds envelopes and rows for one append; touches shared state only through {@code local}. */
  private Staged stage(Pending p, long firstLeaf, String now, Map<String, StreamHead> local) throws LedgerStoreException {
    Map<String, StreamHead> trial = new HashMap<>();
    List<EventEnvelope> envelopes = new ArrayList<>(p.drafts().size());
    List<StoredEntry> rows = new ArrayList<>(p.drafts().size());
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
      EventEnvelope env = new EventEnvelope("evt_" + ulid.next(), leaf, d.streamId(), seq, d.eventType(),
          EventEnvelope.SCHEMA_VERSION, d.policyVersion(), d.actor(), d.payload(), now);
      byte[] bytes = env.canonicalBytes();
      byte[] entryHash = EntryHash.compute(prev, bytes);
      envelopes.add(env);
      rows.add(new StoredEntry(leaf++, d.streamId(), seq, d.eventType(), entryHash, bytes));
      trial.put(d.streamId(), new StreamHead(seq, entryHash));
    }
    local.putAll(trial);
    return new Staged(p, envelopes, rows);
  }

  private void resync() throws LedgerStoreException {
    heads.clear();
    tree = TiledTree.load(store, store.size());
    latest = store.latestCheckpoint().orElseThrow();
    if (latest.treeSize() != tree.size()) {
      throw new LedgerStoreException("store size " + tree.size() + " does not match its latest checkpoint " + latest.treeSize());
    }
    needsResync = false;
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
      thread.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Pending p;
    while ((p = queue.poll()) != null) {
      p.future().completeExceptionally(new LedgerUnavailableException("the ledger is closed", null));
    }
  }
}
