package dev.arbiter.cli.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.cli.CliRun;
import dev.arbiter.core.canonical.StrictJson;
import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.LedgerOptions;
import dev.arbiter.ledger.checkpoint.Checkpoint;
import dev.arbiter.ledger.event.Actor;
import dev.arbiter.ledger.event.EventDraft;
import dev.arbiter.ledger.store.Cursor;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code ledger prove} at tree sizes with and without a signed checkpoint of their own, and {@code
 * ledger verify-proof} on those proofs and on every single alteration of them. The ledger is written
 * in atomic batches of known sizes, so its checkpoints are at exactly 0, 37, 137 and 300.
 */
class LedgerProofTest {
  @TempDir static Path dir;
  static Path db;
  static Path pub;

  /** Every kind of proof: name → prove arguments. Sizes 37, 137, 300 have checkpoints; the others do not. */
  static final Map<String, String[]> PROOFS = new LinkedHashMap<>();

  static {
    PROOFS.put("inclusion at the latest checkpoint", new String[] {"--leaf", "5"});
    PROOFS.put("inclusion at a checkpoint", new String[] {"--leaf", "36", "--size", "137"});
    PROOFS.put("inclusion between checkpoints", new String[] {"--leaf", "5", "--size", "100"});
    PROOFS.put("inclusion of the last leaf between checkpoints", new String[] {"--leaf", "199", "--size", "200"});
    PROOFS.put("inclusion in the tree of one leaf", new String[] {"--leaf", "0", "--size", "1"});
    PROOFS.put("consistency between checkpoints", new String[] {"--from", "37", "--to", "137"});
    PROOFS.put("consistency from a size without one", new String[] {"--from", "50", "--to", "137"});
    PROOFS.put("consistency to a size without one", new String[] {"--from", "37", "--to", "200"});
    PROOFS.put("consistency between sizes without one", new String[] {"--from", "50", "--to", "299"});
    PROOFS.put("consistency within one batch", new String[] {"--from", "100", "--to", "120"});
    PROOFS.put("consistency of a size with itself", new String[] {"--from", "60", "--to", "60"});
  }

  @BeforeAll
  static void writeALedgerInBatchesOfKnownSizes() throws Exception {
    SigningKey key = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
    pub = dir.resolve("ledger.pub");
    Files.writeString(pub, key.verifyingKey().toSpkiPem());
    db = dir.resolve("l.db");
    try (Ledger ledger = Ledger.open(SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.CREATE_IF_MISSING), key,
        Clock.systemUTC(), LedgerOptions.defaults())) {
      int n = 0;
      for (int batch : new int[] {37, 100, 163}) {
        List<EventDraft> drafts = new ArrayList<>();
        for (int i = 0; i < batch; i++, n++) {
          ObjectNode payload = JsonNodeFactory.instance.objectNode().put("n", n);
          drafts.add(new EventDraft("dec_" + (n % 7), "test.appended", null, new Actor("agent", "agent"), payload));
        }
        ledger.appendAll(drafts).join();
      }
    }
    assertThat(checkpointSizes()).containsExactly(0L, 37L, 137L, 300L);
  }

  @Test
  void prove_atEveryKindOfSize_verifies() throws Exception {
    for (Map.Entry<String, String[]> p : PROOFS.entrySet()) {
      CliRun v = verifyProof(prove(p.getValue()));
      assertThat(v.exitCode()).as(p.getKey() + "\n" + v).isZero();
      assertThat(v.out()).as(p.getKey()).startsWith("ok: ");
    }
  }

  /** Existing users parse these fields: a size with a checkpoint of its own keeps exactly them. */
  @Test
  void prove_atSizesWithCheckpoints_printsTheOriginalFieldsOnly() throws Exception {
    assertThat(fieldNames(prove("--leaf", "36", "--size", "137")))
        .containsExactly("type", "leaf_index", "tree_size", "entry_hash", "leaf_hash", "proof", "checkpoint");
    assertThat(fieldNames(prove("--from", "37", "--to", "300")))
        .containsExactly("type", "size1", "size2", "proof", "checkpoint1", "checkpoint2");
  }

  @Test
  void prove_atASizeWithoutACheckpoint_anchorsItInTheNextOne() throws Exception {
    JsonNode inclusion = prove("--leaf", "3", "--size", "100");
    assertThat(inclusion.get("tree_size").asLong()).isEqualTo(100);
    assertThat(inclusion.get("checkpoint").get("tree_size").asLong()).isEqualTo(137);
    assertThat(inclusion.get("root_hash").asText()).hasSize(64);
    assertThat(inclusion.get("checkpoint_consistency").size()).isPositive();

    JsonNode consistency = prove("--from", "50", "--to", "200");
    assertThat(fieldNames(consistency))
        .containsExactly("type", "size1", "size2", "proof", "checkpoint2", "root1", "root2", "checkpoint_consistency");
    assertThat(consistency.get("checkpoint2").get("tree_size").asLong()).isEqualTo(300);
    assertThat(fieldNames(prove("--from", "37", "--to", "200"))).contains("checkpoint1").doesNotContain("root1");
    assertThat(fieldNames(prove("--from", "50", "--to", "137"))).contains("root1").doesNotContain("root2", "checkpoint1");

    CliRun v = verifyProof(inclusion);
    assertThat(v.out()).contains("at tree size 100 (through the signed checkpoint at tree size 137)");
  }

  @Test
  void prove_beyondTheLatestCheckpoint_exitsTwo_namingItsSize() {
    for (String[] args : new String[][] {{"--leaf", "3", "--size", "301"}, {"--from", "1", "--to", "301"}}) {
      CliRun r = run("prove", args);
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
      assertThat(r.err()).contains("301 is beyond the latest signed checkpoint (tree size 300)")
          .doesNotContain("ledger show");
    }
    assertThat(run("prove", "--leaf", "300").exitCode()).isEqualTo(2);
    assertThat(run("prove", "--from", "0", "--to", "5").exitCode()).isEqualTo(2);
  }

  @Test
  void verifyProof_consistency_withSizesAlteredOrMissing_isRejected() throws Exception {
    ObjectNode good = prove("--from", "37", "--to", "137");
    assertRejected(good, p -> p.put("size1", 17).put("size2", 4999), 1);
    assertRejected(good, p -> p.put("size1", 17), 1);
    assertRejected(good, p -> p.put("size2", 4999), 1);
    assertRejected(good, p -> p.put("size2", 136), 1);
    assertRejected(good, p -> p.remove("size1"), 2);
    assertRejected(good, p -> p.remove("size2"), 2);
    assertRejected(good, p -> p.put("size1", "37"), 2);
    assertRejected(good, p -> p.put("size2", 137.0), 2);
  }

  @Test
  void verifyProof_inclusion_withLeafHashAlteredOrMissing_isRejected() throws Exception {
    ObjectNode good = prove("--leaf", "5", "--size", "137");
    String leafHash = good.get("leaf_hash").asText();
    assertRejected(good, p -> p.put("leaf_hash", flipHex(leafHash, 63)), 1);
    assertRejected(good, p -> p.put("leaf_hash", p.get("entry_hash").asText()), 1);
    assertRejected(good, p -> p.remove("leaf_hash"), 2);
    assertRejected(good, p -> p.put("leaf_hash", "zz"), 2);
    assertRejected(good, p -> p.putNull("leaf_hash"), 2);
  }

  @Test
  void verifyProof_entryHashOption_onlyForInclusionProofs_andNamedWhenMalformed() throws Exception {
    Path consistency = write(prove("--from", "37", "--to", "137"));
    String someHash = "ab".repeat(32);
    CliRun c = run("verify-proof", "--proof", consistency.toString(), "--key", pub.toString(), "--entry-hash", someHash);
    assertThat(c.exitCode()).as(c.toString()).isEqualTo(2);
    assertThat(c.err()).contains("--entry-hash applies to an inclusion proof only");

    ObjectNode inclusion = prove("--leaf", "5");
    Path proof = write(inclusion);
    CliRun bad = run("verify-proof", "--proof", proof.toString(), "--key", pub.toString(), "--entry-hash", "zz");
    assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(2);
    assertThat(bad.err()).contains("--entry-hash:").doesNotContain("--proof");

    CliRun other = run("verify-proof", "--proof", proof.toString(), "--key", pub.toString(), "--entry-hash", someHash);
    assertThat(other.exitCode()).as(other.toString()).isEqualTo(1);
    CliRun same = run("verify-proof", "--proof", proof.toString(), "--key", pub.toString(), "--entry-hash",
        inclusion.get("entry_hash").asText());
    assertThat(same.exitCode()).as(same.toString()).isZero();
  }

  /** A proof whose pieces disagree is refused, even where the disagreeing piece was not needed. */
  @Test
  void verifyProof_withPiecesThatDisagree_orANeededPieceMissing_exitsOne() throws Exception {
    ObjectNode own = prove("--leaf", "5", "--size", "137");
    String otherRoot = prove("--leaf", "5", "--size", "100").get("root_hash").asText();
    assertRejected(own, p -> p.put("root_hash", otherRoot), 1);
    assertRejected(own, p -> p.set("checkpoint_consistency", JsonNodeFactory.instance.arrayNode().add(otherRoot)), 1);
    assertRejected(own, p -> p.put("tree_size", 100), 1); // a smaller size with the checkpoint at 137, no root
    assertThat(verifyProof(own.deepCopy().put("root_hash", own.get("checkpoint").get("root_hash").asText())).exitCode())
        .as("the checkpoint's own root, stated twice").isZero();

    ObjectNode anchored = prove("--leaf", "5", "--size", "100");
    assertRejected(anchored, p -> p.remove("root_hash"), 1);
    assertRejected(anchored, p -> p.remove("checkpoint_consistency"), 1);
    JsonNode latest = prove("--leaf", "5").get("checkpoint");
    assertRejected(anchored, p -> p.set("checkpoint", latest), 1); // a checkpoint it has no proof to
    assertRejected(anchored, p -> p.put("tree_size", 137), 1);

    ObjectNode consistency = prove("--from", "50", "--to", "200");
    assertRejected(consistency, p -> p.remove("root1"), 1);
    assertRejected(consistency, p -> p.remove("root2"), 1);
    assertRejected(consistency, p -> p.put("root1", p.get("root2").asText()), 1);
    assertRejected(consistency, p -> p.set("checkpoint1", p.get("checkpoint2")), 1);
  }

  /**
   * Every value of every proof kind, altered one at a time (a bit of each number, each hash's first
   * and last hex digit, a character of every other string, a wrong type), every member removed, every
   * array shortened and lengthened: each alteration exits 1 or 2, never 0.
   */
  @ParameterizedTest
  @ValueSource(strings = {
      "inclusion at a checkpoint", "inclusion between checkpoints", "inclusion in the tree of one leaf",
      "consistency between checkpoints", "consistency from a size without one", "consistency to a size without one",
      "consistency between sizes without one", "consistency of a size with itself"})
  void verifyProof_everySingleAlteration_isRejected(String kind) throws Exception {
    ObjectNode good = prove(PROOFS.get(kind));
    assertThat(verifyProof(good).exitCode()).isZero();
    List<String> accepted = new ArrayList<>();
    int tried = 0;
    for (Alteration a : alterations(good)) {
      tried++;
      CliRun r = verifyProof(a.proof());
      if (r.exitCode() != 1 && r.exitCode() != 2) {
        accepted.add(a.what() + " -> exit " + r.exitCode() + ": " + r.out() + r.err());
      }
    }
    assertThat(accepted).as("alterations not rejected with exit 1 or 2, of " + tried).isEmpty();
    assertThat(tried).isGreaterThan(30);
  }

  record Alteration(String what, JsonNode proof) {}

  private static List<Alteration> alterations(ObjectNode good) {
    List<Alteration> out = new ArrayList<>();
    collect(good, good, JsonPointer.empty(), out);
    return out;
  }

  private static void collect(ObjectNode root, JsonNode node, JsonPointer at, List<Alteration> out) {
    if (node.isObject()) {
      for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        JsonPointer child = at.appendProperty(name);
        out.add(alter(root, at, "remove " + child, parent -> ((ObjectNode) parent).remove(name)));
        collect(root, node.get(name), child, out);
      }
    } else if (node.isArray()) {
      if (!node.isEmpty()) {
        out.add(alter(root, at, "drop the first element of " + at, a -> ((ArrayNode) a).remove(0)));
        out.add(alter(root, at, "drop the last element of " + at, a -> ((ArrayNode) a).remove(a.size() - 1)));
        out.add(alter(root, at, "repeat an element of " + at, a -> ((ArrayNode) a).add(a.get(0).deepCopy())));
      } else {
        out.add(alter(root, at, "an element in " + at, a -> ((ArrayNode) a).add("00".repeat(32))));
      }
      for (int i = 0; i < node.size(); i++) {
        collect(root, node.get(i), at.appendIndex(i), out);
      }
    } else if (node.isIntegralNumber()) {
      long v = node.asLong();
      out.add(replace(root, at, "flip the low bit of " + at, JsonNodeFactory.instance.numberNode(v ^ 1)));
      out.add(replace(root, at, "add 1 to " + at, JsonNodeFactory.instance.numberNode(v + 1)));
      out.add(replace(root, at, "flip bit 7 of " + at, JsonNodeFactory.instance.numberNode(v ^ 128)));
      out.add(replace(root, at, at + " as a string", JsonNodeFactory.instance.textNode(Long.toString(v))));
    } else if (node.isTextual()) {
      String s = node.asText();
      if (s.matches("[0-9a-f]{64}")) {
        out.add(replace(root, at, "flip a bit of the first byte of " + at, JsonNodeFactory.instance.textNode(flipHex(s, 0))));
        out.add(replace(root, at, "flip a bit of the last byte of " + at, JsonNodeFactory.instance.textNode(flipHex(s, 63))));
      } else {
        out.add(replace(root, at, "change the first character of " + at, JsonNodeFactory.instance.textNode(changeAt(s, 0))));
        out.add(replace(root, at, "change a middle character of " + at,
            JsonNodeFactory.instance.textNode(changeAt(s, s.length() / 2))));
      }
      out.add(replace(root, at, at + " as a number", JsonNodeFactory.instance.numberNode(7)));
    }
  }

  private static Alteration alter(ObjectNode root, JsonPointer parent, String what, Consumer<JsonNode> change) {
    ObjectNode copy = root.deepCopy();
    change.accept(copy.at(parent));
    return new Alteration(what, copy);
  }

  private static Alteration replace(ObjectNode root, JsonPointer at, String what, JsonNode value) {
    return alter(root, at.head(), what, parent -> {
      if (parent.isArray()) {
        ((ArrayNode) parent).set(at.last().getMatchingIndex(), value);
      } else {
        ((ObjectNode) parent).set(at.last().getMatchingProperty(), value);
      }
    });
  }

  private static String flipHex(String hex, int i) {
    int digit = Character.digit(hex.charAt(i), 16) ^ 1;
    return hex.substring(0, i) + Character.forDigit(digit, 16) + hex.substring(i + 1);
  }

  private static String changeAt(String s, int i) {
    if (s.isEmpty()) {
      return "x";
    }
    char c = s.charAt(i);
    char other = c == 'A' ? 'B' : c == '0' ? '1' : Character.isDigit(c) ? '0' : 'A';
    return s.substring(0, i) + other + s.substring(i + 1);
  }

  private void assertRejected(ObjectNode good, Consumer<ObjectNode> change, int exit) throws Exception {
    assertThat(verifyProof(good).exitCode()).isZero();
    ObjectNode bad = good.deepCopy();
    change.accept(bad);
    CliRun r = verifyProof(bad);
    assertThat(r.exitCode()).as(bad.toPrettyString() + "\n" + r).isEqualTo(exit);
    assertThat(r.err()).doesNotContain("Exception");
  }

  private static ObjectNode prove(String... args) {
    CliRun r = run("prove", args);
    assertThat(r.exitCode()).as(String.join(" ", args) + "\n" + r).isZero();
    return (ObjectNode) StrictJson.parse(r.out().getBytes(StandardCharsets.UTF_8));
  }

  private static CliRun verifyProof(JsonNode proof) throws Exception {
    return run("verify-proof", "--proof", write(proof).toString(), "--key", pub.toString());
  }

  private static Path write(JsonNode proof) throws Exception {
    Path file = Files.createTempFile(dir, "proof", ".json");
    Files.writeString(file, proof.toPrettyString());
    return file;
  }

  private static CliRun run(String command, String... args) {
    List<String> all = new ArrayList<>(List.of("ledger", command));
    if (command.equals("prove")) {
      all.addAll(List.of("--db", db.toString()));
    }
    all.addAll(List.of(args));
    return CliRun.of(all.toArray(String[]::new));
  }

  private static List<String> fieldNames(JsonNode json) {
    List<String> names = new ArrayList<>();
    json.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static List<Long> checkpointSizes() throws Exception {
    List<Long> sizes = new ArrayList<>();
    try (SqliteLedgerStore store = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.READ_ONLY);
        Cursor<Checkpoint> c = store.scanCheckpoints()) {
      for (Checkpoint cp = c.next(); cp != null; cp = c.next()) {
        sizes.add(cp.treeSize());
      }
    }
    return sizes;
  }
}
