package dev.arbiter.ledger.store.sqlite;

import java.nio.file.Path;

/** A child process for {@link WriterLockTest}: opens a ledger for writing, says so, and holds it until stdin closes. */
public final class HoldLedger {
  private HoldLedger() {}

  public static void main(String[] args) throws Exception {
    try (SqliteLedgerStore store = SqliteLedgerStore.open(Path.of(args[0]), SqliteLedgerStore.Mode.CREATE_IF_MISSING)) {
      System.out.println("held");
      System.out.flush();
      System.in.read();
    }
  }
}
