package dev.arbiter.ledger.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.StrictJson;
import dev.arbiter.ledger.AppendedEvent;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.TestLedgers;
import dev.arbiter.ledger.receipt.Receipt;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Integer fields of the portable JSON forms (a checkpoint's {@code tree_size}, a receipt's {@code
 * leaf_index}) are integers that fit a long: {@code 18446744073709551621} used to wrap to 5, and
 * {@code 5.0} was taken for 5.
 */
class IntegerFieldsTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"18446744073709551621", "9223372036854775808", "5.0", "5e0", "-1", "\"5\""})
  void treeSizeAndLeafIndex_thatAreNotIntegersOfALong_areRefused(String value) throws Exception {
    AppendedEvent event;
    try (Ledger ledger = TestLedgers.open(dir.resolve("l.db"), TestLedgers.newKey())) {
      event = TestLedgers.fill(ledger, 1, 10, 2).get(5);
    }
    ObjectNode receipt = event.receipt().toJson();
    ObjectNode checkpoint = (ObjectNode) receipt.get("checkpoint");
    assertThat(Checkpoint.fromJson(checkpoint).treeSize()).isEqualTo(10);
    assertThat(Receipt.fromJson(receipt).leafIndex()).isEqualTo(5);

    ObjectNode badCheckpoint = checkpoint.deepCopy();
    badCheckpoint.set("tree_size", StrictJson.parse(value.getBytes(StandardCharsets.UTF_8)));
    assertThatThrownBy(() -> Checkpoint.fromJson(badCheckpoint)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("checkpoint.tree_size");
    ObjectNode badReceipt = receipt.deepCopy();
    badReceipt.set("leaf_index", StrictJson.parse(value.getBytes(StandardCharsets.UTF_8)));
    assertThatThrownBy(() -> Receipt.fromJson(badReceipt)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("receipt.leaf_index");
  }

  @Test
  void theLargestLong_isStillAnInteger() {
    ObjectNode json = (ObjectNode) StrictJson.parse(("{\"format\":\"arbiter-checkpoint-v1\",\"ledger_id\":\"ldg_x\","
        + "\"tree_size\":9223372036854775807,\"root_hash\":\"" + "00".repeat(32) + "\",\"timestamp\":\"t\","
        + "\"key_id\":\"sha256:" + "ab".repeat(32) + "\",\"signature\":\"AA==\"}").getBytes(StandardCharsets.UTF_8));
    assertThat(Checkpoint.fromJson(json).treeSize()).isEqualTo(Long.MAX_VALUE);
  }
}
