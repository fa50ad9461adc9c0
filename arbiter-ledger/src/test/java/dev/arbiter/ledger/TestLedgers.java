package dev.arbiter.ledger;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.event.Actor;
import dev.arbiter.ledger.event.EventDraft;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** Real ledgers on real SQLite files for tests. */
public final class TestLedgers {
  private TestLedgers() {}

  public static SigningKey newKey() {
    return SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
  }

  public static Ledger open(Path db, SigningKey key) throws LedgerStoreException, LedgerIntegrityException {
    return Ledger.open(SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.CREATE_IF_MISSING), key, Clock.systemUTC(),
        LedgerOptions.defaults());
  }

  public static EventDraft draft(String stream, String type, int n) {
    ObjectNode payload = JsonNodeFactory.instance.objectNode();
    payload.put("n", n);
    payload.put("note", "event " + n + " of " + stream);
    return new EventDraft(stream, type, "sha256:policy", new Actor("agent_" + (n % 3), "proposer"), payload);
  }

  /**
   * Appends {@code batches} atomic batches of events spread over {@code streams} streams and
   * returns every result in order.
   */
  public static List<AppendedEvent> fill(Ledger ledger, int batches, int perBatch, int streams) {
    List<AppendedEvent> all = new ArrayList<>();
    int n = 0;
    for (int b = 0; b < batches; b++) {
      List<EventDraft> drafts = new ArrayList<>();
      for (int i = 0; i < perBatch; i++, n++) {
        drafts.add(draft("dec_stream" + (n % streams), n % 2 == 0 ? "decision.created" : "policy.gate", n));
      }
      all.addAll(ledger.appendAll(drafts).join());
    }
    return all;
  }
}
