package dev.arbiter.cli.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.cli.CliFailure;
import dev.arbiter.cli.ExitCodes;
import dev.arbiter.core.canonical.StrictJson;
import dev.arbiter.ledger.HashValue;
import dev.arbiter.ledger.store.EntryQuery;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.StoredEntry;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "show",
    mixinStandardHelpOptions = true,
    description = {
      "Read ledger entries in leaf order. This reads; it does not verify (use `ledger verify`).",
      "With --json: one entry per line, the envelope plus its entry_hash."
    })
public final class LedgerShowCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--db", required = true, paramLabel = "FILE", description = "The ledger database.")
  Path db;

  @Option(names = "--stream", paramLabel = "ID", description = "Only this stream (decision id).")
  String stream;

  @Option(names = "--type", paramLabel = "TYPE", description = "Only this event type, e.g. approval.added.")
  String type;

  @Option(names = "--from", paramLabel = "N", defaultValue = "0", description = "First leaf index (default ${DEFAULT-VALUE}).")
  long from;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "100",
      description = "At most N entries (default ${DEFAULT-VALUE}); when more match, stderr says where the next ones start.")
  int limit;

  @Option(names = "--json", description = "One JSON object per line.")
  boolean json;

  @Override
  public Integer call() {
    EntryQuery q;
    try {
      // One more than asked: whether the listing was cut is said, not left for the reader to guess.
      q = new EntryQuery(stream, type, from, limit == Integer.MAX_VALUE ? limit : limit + 1);
      if (limit < 1) {
        throw new IllegalArgumentException("--limit must be >= 1");
      }
    } catch (IllegalArgumentException e) {
      throw CliFailure.badInput(e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    try (SqliteLedgerStore store = LedgerFiles.openReadOnly(db)) {
      List<StoredEntry> found = store.query(q);
      List<StoredEntry> entries = found.size() > limit ? found.subList(0, limit) : found;
      for (StoredEntry e : entries) {
        JsonNode env;
        try {
          env = StrictJson.parseRecorded(e.envelope());
        } catch (RuntimeException ex) {
          env = null;
        }
        if (env == null || !env.isObject()) {
          // Not JSON, or JSON but not an object ([1], "x"): every envelope is an object.
          throw CliFailure.verification("entry at leaf " + e.leafIndex() + " has a malformed envelope; run `arbiter ledger verify`");
        }
        String hash = e.entryHash() != null && e.entryHash().length == 32 ? HashValue.of(e.entryHash()).hex() : "malformed";
        if (json) {
          ObjectNode o = ((ObjectNode) env).deepCopy();
          o.put("leaf_index", e.leafIndex());
          o.put("entry_hash", hash);
          out.println(StrictJson.writeRecorded(o));
        } else {
          out.printf("%8d  %s  %-36s %-22s %-18s %s%n", e.leafIndex(), LedgerFiles.printable(env.path("at").asText()),
              LedgerFiles.printable(e.streamId()) + "#" + e.streamSeq(), LedgerFiles.printable(e.eventType()),
              LedgerFiles.printable(env.path("actor").path("id").asText()), hash.substring(0, Math.min(16, hash.length())));
        }
      }
      if (!json && entries.isEmpty()) {
        spec.commandLine().getErr().println("no entries match");
      }
      if (found.size() > limit) {
        spec.commandLine().getErr().printf("showed the first %d matching entries; more follow: --from %d for the next ones,"
            + " or a larger --limit%n", limit, found.get(limit).leafIndex());
      }
      out.flush();
      return ExitCodes.OK;
    } catch (LedgerStoreException e) {
      throw LedgerFiles.storeFailure(e);
    }
  }
}
