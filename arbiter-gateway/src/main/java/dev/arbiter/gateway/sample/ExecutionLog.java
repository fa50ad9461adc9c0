package dev.arbiter.gateway.sample;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.canonical.StrictJson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The sample tool's record of what it executed: one canonical JSON object per line, each line forced
 * to disk before the tool answers. Also the tool's own memory of used grant ids, so a grant executed
 * before a restart is still refused after it.
 */
final class ExecutionLog implements AutoCloseable {
  private final Path file;
  private final FileChannel channel;
  private final Set<String> executedGrantIds;
  private final ReentrantLock lock = new ReentrantLock();

  private ExecutionLog(Path file, FileChannel channel, Set<String> executed) {
    this.file = file;
    this.channel = channel;
    this.executedGrantIds = executed;
  }

  static ExecutionLog open(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Set<String> executed = new HashSet<>();
    if (Files.exists(file)) {
      List<String> lines = Files.readAllLines(file);
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        if (line.isBlank()) {
          continue;
        }
        try {
          JsonNode id = StrictJson.parse(line.getBytes(java.nio.charset.StandardCharsets.UTF_8)).get("grant_id");
          executed.add(id.asText());
        } catch (RuntimeException e) {
          throw new IOException(file + ":" + (i + 1) + ": not an execution log line", e);
        }
      }
    }
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    return new ExecutionLog(file, ch, executed);
  }

  /**
   * Claims {@code grantId} and appends {@code entry} durably. Returns false, writing nothing, when the
   * grant id was executed before. A failed write keeps the claim: the tool never runs a grant twice.
   */
  boolean append(String grantId, ObjectNode entry) throws IOException {
    lock.lock();
    try {
      if (!executedGrantIds.add(grantId)) {
        return false;
      }
      byte[] json = CanonicalJson.encode(entry);
      ByteBuffer buf = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
      while (buf.hasRemaining()) {
        channel.write(buf);
      }
      channel.force(true);
      return true;
    } finally {
      lock.unlock();
    }
  }

  Path file() {
    return file;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
