package dev.arbiter.ledger.internal;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.LedgerIntegrityException;
import dev.arbiter.ledger.LedgerOptions;
import dev.arbiter.ledger.checkpoint.CheckpointVerifier;
import dev.arbiter.ledger.event.Actor;
import dev.arbiter.ledger.event.EventDraft;
import dev.arbiter.ledger.store.CorruptLedgerException;
import dev.arbiter.ledger.store.LedgerStore;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review: any store failure while the writer rebuilt its tree was reported as tampering, and the engine
 * now takes tampering for "stop everything until someone looks". A disk error is an outage; rows the
 * checkpoints say exist and that are not there are tampering.
 */
class VerifiedTreeTest {
  @TempDir Path dir;

  private LedgerStore failingEntryHashes(SqliteLedgerStore real, LedgerStoreException failure) {
    return (LedgerStore) Proxy.newProxyInstance(LedgerStore.class.getClassLoader(), new Class<?>[] {LedgerStore.class},
        (p, m, args) -> {
          if (m.getName().equals("entryHashes")) {
            throw failure;
          }
          try {
            return m.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  @Test
  void aDiskErrorWhileLoading_isAStoreFailure_andMissingRowsAreAnIntegrityFailure() throws Exception {
    SigningKey key = SigningKey.generate(KeyAlgorithm.ED25519, new SecureRandom());
    SqliteLedgerStore real = SqliteLedgerStore.open(dir.resolve("l.db"), SqliteLedgerStore.Mode.CREATE_IF_MISSING);
    Ledger ledger = Ledger.open(real, key, Clock.systemUTC(), LedgerOptions.defaults());
    ledger.append(new EventDraft("dec_x", "test.event", null, new Actor("a", "test"),
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode())).get();
    CheckpointVerifier verifier = new CheckpointVerifier(key.verifyingKey());
    var identity = real.identity().orElseThrow();

    assertThatThrownBy(() -> VerifiedTree.load(failingEntryHashes(real, new LedgerStoreException("disk I/O error")),
        verifier, identity)).isInstanceOf(LedgerStoreException.class).isNotInstanceOf(CorruptLedgerException.class)
        .hasMessageContaining("disk I/O error");
    assertThatThrownBy(() -> VerifiedTree.load(failingEntryHashes(real, new CorruptLedgerException("rows missing")),
        verifier, identity)).isInstanceOf(LedgerIntegrityException.class).hasMessageContaining("rows missing");
    ledger.close();
  }
}
