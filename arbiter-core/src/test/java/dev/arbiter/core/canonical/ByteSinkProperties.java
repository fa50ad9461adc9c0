package dev.arbiter.core.canonical;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Whatever mix of writes, and however many chunks they span, the sink returns exactly those bytes in order. */
class ByteSinkProperties {

  /** One write: a single byte, an array, an ASCII string, or a run of unchecked bytes after an ensure. */
  record Op(int kind, byte[] bytes) {}

  @Provide
  Arbitrary<List<Op>> ops() {
    Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(5000);
    return Arbitraries.integers().between(0, 3).flatMap(kind -> bytes.map(b -> new Op(kind, b))).list().ofMaxSize(60);
  }

  @Property(tries = 500)
  void returnsEveryByteWrittenInOrder(@ForAll("ops") List<Op> ops, @ForAll @IntRange(min = 1, max = 300) int initial) {
    ByteSink sink = new ByteSink(initial);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (Op op : ops) {
      byte[] b = op.bytes();
      switch (op.kind()) {
        case 0 -> {
          int v = b.length == 0 ? 'x' : b[0];
          sink.write(v);
          expected.write(v);
        }
        case 1 -> {
          sink.write(b);
          expected.writeBytes(b);
        }
        case 2 -> {
          StringBuilder s = new StringBuilder();
          for (byte x : b) {
            s.append((char) (x & 0x7F));
          }
          sink.writeAscii(s.toString());
          expected.writeBytes(s.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        default -> {
          sink.ensure(b.length);
          for (byte x : b) {
            sink.putUnchecked(x);
          }
          expected.writeBytes(b);
        }
      }
    }
    assertThat(sink.toByteArray()).isEqualTo(expected.toByteArray());
  }
}
