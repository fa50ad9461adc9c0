package dev.arbiter.gateway.sample;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.canonical.StrictJson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sample tool's record of what it executed: one canonical JSON object per line, each line forced
 * to disk before the tool answers. Also the tool's own memory of used grant ids and decision ids, so
 * a grant (or another grant of the same decision) executed before a restart is still refused after it.
 *
 * <p>Fails closed. A line whose write or flush fails is cut off again and the log refuses every later
 * append until the tool restarts: after a failed fsync the kernel may have dropped the pages it could
 * not write, so nothing later can be called durable, and a half line left in place would glue itself
 * to the next one. A last line without its newline is a write that a crash cut short (the tool
 * answers only after the whole line is on disk, so nobody was told it executed): {@link #open} cuts
 * it off and says so. A damaged line anywhere else stops the tool from starting.
 */
final class ExecutionLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutionLog.class);
  /** The longest line read back: a 1 MiB payload (the tool's body limit) plus the other fields. */
  private static final int MAX_LINE_BYTES = 2 * 1024 * 1024;

  /** What {@link #append} did. */
  enum Outcome {
    WRITTEN,
    GRANT_ALREADY_EXECUTED,
    DECISION_ALREADY_EXECUTED
  }

  /** The log failed earlier (or just now): nothing more is executed until the tool restarts. */
  static final class BrokenException extends IOException {
    BrokenException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final Path file;
  private final FileChannel channel;
  private final Set<String> executedGrantIds;
  private final Set<String> executedDecisionIds;
  private final ReentrantLock lock = new ReentrantLock();
  private IOException broken; // guarded by lock
  private volatile boolean usable = true;

  private ExecutionLog(Path file, FileChannel channel, Set<String> grants, Set<String> decisions) {
    this.file = file;
    this.channel = channel;
    this.executedGrantIds = grants;
    this.executedDecisionIds = decisions;
  }

  static ExecutionLog open(Path file) throws IOException {
    return open(file, UnaryOperator.identity());
  }

  /**
   * As {@link #open(Path)}; {@code channels} wraps the file's channel (tests put a failing disk in front).
   *
   * @throws IOException also when another tool (process or instance) has the log open: two writers
   *     would not know each other's executions
   */
  static ExecutionLog open(Path file, UnaryOperator<FileChannel> channels) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    FileChannel ch = channels.apply(
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE));
    try {
      FileLock held;
      try {
        held = ch.tryLock();
      } catch (java.nio.channels.OverlappingFileLockException e) {
        held = null;
      }
      if (held == null) {
        throw new IOException(file + " is in use by another tool: one execution log, one writer");
      }
      Set<String> grants = new HashSet<>();
      Set<String> decisions = new HashSet<>();
      long end = readExisting(file, ch, grants, decisions);
      if (end < ch.size()) {
        LOG.warn("{}: cut off {} bytes of a last line without its newline (a write cut short by a crash; "
            + "the tool never answered for it)", file, ch.size() - end);
        ch.truncate(end);
        ch.force(true);
      }
      return new ExecutionLog(file, ch, grants, decisions);
    } catch (IOException | RuntimeException e) {
      ch.close(); // releases the lock too
      throw e;
    }
  }

  /** Reads every complete line into the sets, streaming; returns where the complete lines end. */
  private static long readExisting(Path file, FileChannel ch, Set<String> grants, Set<String> decisions)
      throws IOException {
    java.io.InputStream in = new java.io.BufferedInputStream(
        java.nio.channels.Channels.newInputStream(ch.position(0)), 64 * 1024);
    java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
    long size = ch.size(); // what is there now (a device such as /dev/full reads on forever)
    long offset = 0;
    long end = 0;
    int lineNo = 0;
    while (offset < size) {
      int b = in.read();
      if (b < 0) {
        throw new IOException(file + ": shorter than its size while reading");
      }
      offset++;
      if (b != '\n') {
        if (line.size() >= MAX_LINE_BYTES) {
          throw new IOException(file + ":" + (lineNo + 1) + ": a line longer than " + MAX_LINE_BYTES + " bytes");
        }
        line.write(b);
        continue;
      }
      lineNo++;
      end = offset;
      if (line.size() > 0) {
        try {
          JsonNode entry = StrictJson.parse(line.toByteArray());
          grants.add(requireText(entry, "grant_id"));
          decisions.add(requireText(entry, "decision_id"));
        } catch (RuntimeException e) {
          throw new IOException(file + ":" + lineNo + ": not an execution log line", e);
        }
      }
      line.reset();
    }
    return end;
  }

  private static String requireText(JsonNode entry, String field) {
    JsonNode v = entry.get(field);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw new IllegalArgumentException("no " + field);
    }
    return v.asText();
  }

  /**
   * Claims {@code grantId} and {@code decisionId} and appends {@code entry} durably. Writes nothing
   * when either was executed before. A failed write or flush keeps the claims (the tool never runs
   * them twice), cuts the line off again and breaks the log.
   *
   * @throws BrokenException when this or an earlier append failed: nothing was executed
   */
  Outcome append(String grantId, String decisionId, ObjectNode entry) throws BrokenException {
    lock.lock();
    try {
      if (broken != null) {
        throw new BrokenException("the execution log failed earlier (" + broken.getMessage()
            + "); restart the tool", broken);
      }
      if (executedGrantIds.contains(grantId)) {
        return Outcome.GRANT_ALREADY_EXECUTED;
      }
      if (executedDecisionIds.contains(decisionId)) {
        return Outcome.DECISION_ALREADY_EXECUTED;
      }
      byte[] json = CanonicalJson.encode(entry);
      ByteBuffer buf = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
      executedGrantIds.add(grantId);
      executedDecisionIds.add(decisionId);
      long before = -1;
      try {
        before = channel.size(); // the end, also if someone truncated the file since (we hold its lock)
        channel.position(before);
        while (buf.hasRemaining()) {
          channel.write(buf);
        }
        channel.force(true);
        return Outcome.WRITTEN;
      } catch (IOException | RuntimeException e) {
        IOException failure = e instanceof IOException io ? io : new IOException(e.toString(), e);
        broken = failure;
        usable = false;
        cutOff(before, failure);
        LOG.error("{}: append failed, the log refuses every call until the tool restarts: {}", file, e.toString());
        throw new BrokenException("the execution log could not be written (" + e.getMessage() + ")", failure);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Best effort: removes what a failed append wrote, so a restart finds complete lines only. */
  private void cutOff(long before, IOException failure) {
    if (before < 0) {
      return;
    }
    try {
      channel.truncate(before);
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  /** False once an append failed: the tool refuses every call until it restarts. */
  boolean usable() {
    return usable;
  }

  Path file() {
    return file;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
