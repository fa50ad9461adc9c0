package dev.arbiter.server.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.core.crypto.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class KeyWindowProperties {
  /** One add: key number, request number, id number; a negative request or id number is an odd form. */
  record Add(int key, int request, int id) {}

  /** The model: the latest {@code capacity} adds of well-formed keys; a key resolves to its newest. */
  static final class Model {
    final int capacity;
    final Deque<String[]> ring = new ArrayDeque<>();

    Model(int capacity) {
      this.capacity = capacity;
    }

    void add(String key, String request, String id) {
      if (!key.matches("sha256:[0-9a-f]{64}")) {
        return;
      }
      if (ring.size() == capacity) {
        ring.removeFirst();
      }
      ring.addLast(new String[] {key, request, id});
    }

    KeyWindow.Remembered find(String key) {
      for (Iterator<String[]> it = ring.descendingIterator(); it.hasNext(); ) {
        String[] r = it.next();
        if (r[0].equals(key)) {
          return new KeyWindow.Remembered(r[1], r[2]);
        }
      }
      return null;
    }
  }

  @Property(tries = 400)
  void behavesAsTheLatestAddsOfEachKey(
      @ForAll @IntRange(min = 1, max = 40) int capacity,
      @ForAll @IntRange(min = 1, max = 120) int keys,
      @ForAll("adds") @Size(max = 600) List<Add> adds) {
    KeyWindow window = new KeyWindow(capacity);
    Model model = new Model(capacity);
    for (Add a : adds) {
      String key = key(Math.floorMod(a.key(), keys));
      window.add(key, request(a.request()), id(a.id()));
      model.add(key, request(a.request()), id(a.id()));
      // every key of the pool, after every add: eviction and backward shifts must never lose or
      // misplace another key
      for (int k = 0; k < keys; k++) {
        assertThat(window.find(key(k))).as("key %d after %s", k, a).isEqualTo(model.find(key(k)));
      }
    }
    assertThat(window.size()).isEqualTo(model.ring.size());
  }

  @Provide
  Arbitrary<List<Add>> adds() {
    Arbitrary<Integer> ints = Arbitraries.integers().between(-3, 1_000);
    return Combinators.combine(Arbitraries.integers().between(0, 1_000), ints, ints).as(Add::new).list();
  }

  @Test
  void growsPastItsFirstAllocationAndKeepsEveryKey() {
    KeyWindow window = new KeyWindow(5_000);
    for (int i = 0; i < 7_000; i++) {
      window.add(key(i), request(i), id(i));
    }
    assertThat(window.size()).isEqualTo(5_000);
    for (int i = 0; i < 2_000; i++) {
      assertThat(window.find(key(i))).as("key %d", i).isNull();
    }
    for (int i = 2_000; i < 7_000; i++) {
      assertThat(window.find(key(i))).as("key %d", i).isEqualTo(new KeyWindow.Remembered(request(i), id(i)));
    }
  }

  @Test
  void growingKeepsTheNewestRecordOfARepeatedKey() {
    KeyWindow window = new KeyWindow(3_000);
    Model model = new Model(3_000);
    for (int i = 0; i < 4_000; i++) { // repeats before, across and after each growth
      window.add(key(i % 1_500), request(i), id(i));
      model.add(key(i % 1_500), request(i), id(i));
      if (i % 100 == 0) {
        for (int k = 0; k < 1_500; k++) {
          assertThat(window.find(key(k))).as("key %d after %d adds", k, i + 1).isEqualTo(model.find(key(k)));
        }
      }
    }
  }

  @Test
  void aKeyOfAnotherFormIsNeverRemembered() {
    KeyWindow window = new KeyWindow(8);
    String upper = key(1).toUpperCase().replace("SHA256:", "sha256:");
    for (String odd : new String[] {"sha256:abc", upper, "md5:" + key(1).substring(7), key(1) + "0", ""}) {
      window.add(odd, request(1), id(1));
      assertThat(window.find(odd)).as(odd).isNull();
    }
    assertThat(window.find(null)).isNull();
    assertThat(window.size()).isZero();
  }

  @Test
  void oddRequestHashesAndIdsComeBackExactly() {
    KeyWindow window = new KeyWindow(8);
    String longId = "dec_" + "x".repeat(60);
    window.add(key(1), "sha256:NOT-HEX", id(1));
    window.add(key(2), request(2), longId);
    window.add(key(3), request(3), "dec_é");
    assertThat(window.find(key(1))).isEqualTo(new KeyWindow.Remembered("sha256:NOT-HEX", id(1)));
    assertThat(window.find(key(2))).isEqualTo(new KeyWindow.Remembered(request(2), longId));
    assertThat(window.find(key(3))).isEqualTo(new KeyWindow.Remembered(request(3), "dec_é"));
    String longest = "dec_" + "y".repeat(KeyWindow.RECORD - 65 - 4);
    window.add(key(4), request(4), longest);
    assertThat(window.find(key(4))).isEqualTo(new KeyWindow.Remembered(request(4), longest));
  }

  @Test
  void refusesAnEmptyOrUnaddressableWindow() {
    assertThatThrownBy(() -> new KeyWindow(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new KeyWindow(KeyWindow.MAX_CAPACITY + 1)).isInstanceOf(IllegalArgumentException.class);
  }

  static String key(int n) {
    return Sha256.prefixed(Sha256.digest(("key-" + n).getBytes(StandardCharsets.UTF_8)));
  }

  /** Negative: a request hash of another form. */
  static String request(int n) {
    return n < 0 ? "sha256:odd" + n : Sha256.prefixed(Sha256.digest(("request-" + n).getBytes(StandardCharsets.UTF_8)));
  }

  /** Negative: an id too long for a record. */
  static String id(int n) {
    return n < 0 ? "dec_" + "z".repeat(70) + n : "dec_01JQ" + String.format("%022d", n);
  }
}
