package dev.arbiter.gateway.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sample tool's execution log fails closed: a failed write leaves no partial line and stops the log. */
class ExecutionLogTest {
  @TempDir Path dir;

  static ObjectNode entry(String grantId, String decisionId) {
    return JsonNodeFactory.instance.objectNode().put("grant_id", grantId).put("decision_id", decisionId)
        .put("padding", "x".repeat(100));
  }

  List<String> lines(Path file) throws IOException {
    return Files.readAllLines(file);
  }

  @Test
  void append_thenReopen_refusesTheGrantAndTheDecisionAgain() throws Exception {
    Path file = dir.resolve("log.jsonl");
    try (ExecutionLog log = ExecutionLog.open(file)) {
      assertThat(log.append("gnt_1", "dec_1", entry("gnt_1", "dec_1"))).isEqualTo(ExecutionLog.Outcome.WRITTEN);
      assertThat(log.append("gnt_1", "dec_1", entry("gnt_1", "dec_1"))).isEqualTo(ExecutionLog.Outcome.GRANT_ALREADY_EXECUTED);
      assertThat(log.append("gnt_2", "dec_1", entry("gnt_2", "dec_1"))).isEqualTo(ExecutionLog.Outcome.DECISION_ALREADY_EXECUTED);
    }
    try (ExecutionLog log = ExecutionLog.open(file)) {
      assertThat(log.append("gnt_3", "dec_1", entry("gnt_3", "dec_1"))).isEqualTo(ExecutionLog.Outcome.DECISION_ALREADY_EXECUTED);
      assertThat(log.append("gnt_1", "dec_9", entry("gnt_1", "dec_9"))).isEqualTo(ExecutionLog.Outcome.GRANT_ALREADY_EXECUTED);
      assertThat(log.append("gnt_4", "dec_4", entry("gnt_4", "dec_4"))).isEqualTo(ExecutionLog.Outcome.WRITTEN);
    }
    assertThat(lines(file)).hasSize(2);
  }

  @Test
  void writeFailingMidLine_cutsTheLineOffAndRefusesEveryLaterAppend() throws Exception {
    Path file = dir.resolve("log.jsonl");
    Faulty[] disk = new Faulty[1];
    try (ExecutionLog log = ExecutionLog.open(file, ch -> disk[0] = new Faulty(ch))) {
      assertThat(log.append("gnt_1", "dec_1", entry("gnt_1", "dec_1"))).isEqualTo(ExecutionLog.Outcome.WRITTEN);
      long good = Files.size(file);
      disk[0].writeBudget = 25; // the disk fills up 25 bytes into the next line

      assertThatThrownBy(() -> log.append("gnt_2", "dec_2", entry("gnt_2", "dec_2")))
          .isInstanceOf(ExecutionLog.BrokenException.class);
      assertThat(Files.size(file)).as("the partial line is cut off again").isEqualTo(good);
      assertThat(log.usable()).isFalse();

      disk[0].writeBudget = Long.MAX_VALUE; // space again: still refused until a restart
      assertThatThrownBy(() -> log.append("gnt_3", "dec_3", entry("gnt_3", "dec_3")))
          .isInstanceOf(ExecutionLog.BrokenException.class);
      assertThat(Files.size(file)).isEqualTo(good);
    }
    try (ExecutionLog log = ExecutionLog.open(file)) { // a restart finds whole lines only
      assertThat(log.append("gnt_3", "dec_3", entry("gnt_3", "dec_3"))).isEqualTo(ExecutionLog.Outcome.WRITTEN);
    }
    assertThat(lines(file)).hasSize(2).allSatisfy(l -> assertThat(l).startsWith("{").endsWith("}"));
  }

  @Test
  void fsyncFailing_cutsTheLineOffAndBreaksTheLog() throws Exception {
    Path file = dir.resolve("log.jsonl");
    Faulty[] disk = new Faulty[1];
    try (ExecutionLog log = ExecutionLog.open(file, ch -> disk[0] = new Faulty(ch))) {
      disk[0].failForce = true;

      assertThatThrownBy(() -> log.append("gnt_1", "dec_1", entry("gnt_1", "dec_1")))
          .isInstanceOf(ExecutionLog.BrokenException.class);
      assertThat(log.usable()).isFalse();
    }
    assertThat(Files.size(file)).isZero();
  }

  @Test
  void open_cutsOffALastLineACrashLeftWithoutItsNewline() throws Exception {
    Path file = dir.resolve("log.jsonl");
    Files.writeString(file, "{\"decision_id\":\"dec_1\",\"grant_id\":\"gnt_1\"}\n{\"decision_id\":\"dec_2\",\"gra");
    try (ExecutionLog log = ExecutionLog.open(file)) {
      assertThat(log.append("gnt_1", "dec_7", entry("gnt_1", "dec_7"))).isEqualTo(ExecutionLog.Outcome.GRANT_ALREADY_EXECUTED);
      assertThat(log.append("gnt_5", "dec_5", entry("gnt_5", "dec_5"))).isEqualTo(ExecutionLog.Outcome.WRITTEN);
    }
    List<String> lines = lines(file);
    assertThat(lines).hasSize(2);
    assertThat(lines.get(1)).startsWith("{").contains("gnt_5");
  }

  @Test
  void open_refusesADamagedLineBeforeTheLast() throws Exception {
    Path file = dir.resolve("log.jsonl");
    String good = "{\"decision_id\":\"dec_1\",\"grant_id\":\"gnt_1\"}\n";
    Files.writeString(file, good + "{\"decision_id\":\"dec_2\",\"gra" + good);
    assertThatThrownBy(() -> ExecutionLog.open(file)).isInstanceOf(IOException.class).hasMessageContaining(":2: not an execution log line");
    Files.writeString(file, good + "{\"grant_id\":\"gnt_2\"}\n");
    assertThatThrownBy(() -> ExecutionLog.open(file)).isInstanceOf(IOException.class).hasMessageContaining(":2:");
    assertThat(Files.readString(file, StandardCharsets.UTF_8)).isEqualTo(good + "{\"grant_id\":\"gnt_2\"}\n");
  }

  @Test
  void aSecondToolOnTheSameLog_isRefused_whileTheFirstHasItOpen() throws Exception {
    Path file = dir.resolve("log.jsonl");
    try (ExecutionLog first = ExecutionLog.open(file)) {
      assertThatThrownBy(() -> ExecutionLog.open(file)).isInstanceOf(IOException.class).hasMessageContaining("in use");
      assertThat(first.append("gnt_1", "dec_1", entry("gnt_1", "dec_1"))).isEqualTo(ExecutionLog.Outcome.WRITTEN);
    }
    try (ExecutionLog again = ExecutionLog.open(file)) { // closed: the next tool may open it
      assertThat(again.append("gnt_1", "dec_1", entry("gnt_1", "dec_1"))).isEqualTo(ExecutionLog.Outcome.GRANT_ALREADY_EXECUTED);
    }
  }

  @Test
  void aLogTruncatedUnderTheTool_isAppendedToAtItsNewEnd() throws Exception {
    Path file = dir.resolve("log.jsonl");
    try (ExecutionLog log = ExecutionLog.open(file)) {
      log.append("gnt_1", "dec_1", entry("gnt_1", "dec_1"));
      try (FileChannel other = FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
        other.truncate(0); // e.g. a log rotation that copies and truncates
      }
      assertThat(log.append("gnt_2", "dec_2", entry("gnt_2", "dec_2"))).isEqualTo(ExecutionLog.Outcome.WRITTEN);
    }
    assertThat(Files.readAllBytes(file)[0]).as("no hole of zero bytes").isEqualTo((byte) '{');
    try (ExecutionLog reopened = ExecutionLog.open(file)) {
      assertThat(reopened.append("gnt_2", "dec_9", entry("gnt_2", "dec_9"))).isEqualTo(ExecutionLog.Outcome.GRANT_ALREADY_EXECUTED);
    }
  }

  /** A file channel whose disk fills up after {@code writeBudget} bytes, or whose fsync fails. */
  static final class Faulty extends FileChannel {
    final FileChannel real;
    volatile long writeBudget = Long.MAX_VALUE;
    volatile boolean failForce;

    Faulty(FileChannel real) {
      this.real = real;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      if (writeBudget <= 0) {
        throw new IOException("No space left on device");
      }
      int n = (int) Math.min(src.remaining(), writeBudget);
      ByteBuffer part = src.slice().limit(n);
      int written = real.write(part);
      src.position(src.position() + written);
      writeBudget -= written;
      return written;
    }

    @Override
    public void force(boolean metaData) throws IOException {
      if (failForce) {
        throw new IOException("Input/output error");
      }
      real.force(metaData);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return real.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
      return real.read(dsts, offset, length);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
      throw new UnsupportedOperationException();
    }

    @Override
    public long position() throws IOException {
      return real.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
      real.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return real.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      real.truncate(size);
      return this;
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) {
      throw new UnsupportedOperationException();
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) {
      throw new UnsupportedOperationException();
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return real.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) {
      throw new UnsupportedOperationException();
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) {
      throw new UnsupportedOperationException();
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) {
      throw new UnsupportedOperationException();
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
      return real.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
      real.close();
    }
  }
}
