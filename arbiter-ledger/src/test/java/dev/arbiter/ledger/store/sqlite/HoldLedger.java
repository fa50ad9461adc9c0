package dev.arbiter.ledger.store.sqlite;

import java.nio.file.Path;

/**
 * A child process for {@link WriterLockTest}. {@code hold DB}: opens a ledger for writing, says
 * "held", and holds it until stdin closes. {@code try DB}: says "opened" or "refused".
 */
public final class HoldLedger {
  private HoldLedger() {}

  public static void main(String[] args) throws Exception {
    Path db = Path.of(args[1]);
    if (args[0].equals("try")) {
      try (SqliteLedgerStore store = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.CREATE_IF_MISSING)) {
        System.out.println("opened");
      } catch (WriterLock.LedgerInUseException e) {
        System.out.println("refused");
      }
      return;
    }
    try (SqliteLedgerStore store = SqliteLedgerStore.open(db, SqliteLedgerStore.Mode.CREATE_IF_MISSING)) {
      System.out.println("held");
      System.out.flush();
      System.in.read();
    }
  }
}
