package dev.arbiter.ledger.store;

import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteLedgerStoreTest extends LedgerStoreContract {
  @TempDir Path dir;

  @Override
  protected LedgerStore newStore() throws Exception {
    return SqliteLedgerStore.open(dir.resolve("contract.db"), SqliteLedgerStore.Mode.CREATE_IF_MISSING);
  }
}
