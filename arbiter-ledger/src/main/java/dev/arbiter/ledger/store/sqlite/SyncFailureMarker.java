package dev.arbiter.ledger.store.sqlite;

import dev.arbiter.ledger.store.LedgerStoreException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code LEDGER.sync-failed}: written when a sync of the ledger's WAL failed, and read when the
 * ledger is next opened for appending.
 *
 * <p>After a failed write-back Linux keeps the page in its cache, marked clean, and reports the error
 * once. A ledger reopened in the same boot (a service manager restarting the engine, say) would read
 * those cached frames as if they were on disk, build on them and acknowledge appends that a later
 * crash loses. So a ledger whose sync failed refuses to open for appending until the machine has
 * rebooted (the kernel's boot id changed; the open then checks the stored tree against its signed
 * checkpoint as always) or an operator who has checked the storage deletes the marker. Read-only
 * opens ({@code ledger verify}) are not refused.
 */
final class SyncFailureMarker {
  private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");
  private static final System.Logger LOG = System.getLogger(SyncFailureMarker.class.getName());

  private SyncFailureMarker() {}

  static Path of(Path ledger) {
    return Path.of(ledger + ".sync-failed");
  }

  /** Writes the marker (best effort: the disk is failing) and returns the exception to throw. */
  static LedgerStoreException record(Path ledger, String message, Throwable cause) {
    Path marker = of(ledger);
    String text = "boot_id=" + bootId().orElse("unknown") + "\nat=" + Instant.now() + "\nerror=" + message.replace('\n', ' ') + "\n";
    try {
      Files.writeString(marker, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
          StandardOpenOption.WRITE, StandardOpenOption.SYNC);
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "could not write " + marker + " after a failed sync: " + e);
    }
    return new LedgerStoreException(message, cause);
  }

  /**
   * Refuses an open for appending while a marker from this boot (or from a boot this JVM cannot
   * tell apart) exists; removes a marker from an earlier boot.
   */
  static void refuseIfSameBoot(Path ledger) throws LedgerStoreException {
    Path marker = of(ledger);
    if (!Files.exists(marker)) {
      return;
    }
    String text = read(marker);
    String recorded = field(text, "boot_id").orElse("unknown");
    Optional<String> now = bootId();
    if (now.isPresent() && !recorded.equals("unknown") && !recorded.equals(now.get())) {
      try {
        Files.delete(marker);
      } catch (IOException e) {
        throw new LedgerStoreException("cannot remove " + marker + " (a sync failed in an earlier boot): " + e, e);
      }
      LOG.log(System.Logger.Level.WARNING, "a sync of " + ledger + " failed in an earlier boot (" + field(text, "at").orElse("?")
          + "); the machine has rebooted since, so the ledger opens and is checked against its signed checkpoint");
      return;
    }
    throw new LedgerStoreException("refusing to append to " + ledger + ": a sync of its write-ahead log failed at "
        + field(text, "at").orElse("?") + " in this boot (" + field(text, "error").orElse("?") + "). The kernel's cache may"
        + " still hold writes the disk lost. Check the storage and reboot; the ledger then opens and is checked against its"
        + " signed checkpoint. If the storage is known to be sound, delete " + marker + " to open it now.");
  }

  /** What the marker beside {@code ledger} says, for a reader of the ledger; empty when there is none. */
  static Optional<String> describe(Path ledger) {
    Path marker = of(ledger);
    if (!Files.exists(marker)) {
      return Optional.empty();
    }
    String text = read(marker);
    return Optional.of("a sync of this ledger's write-ahead log failed at " + field(text, "at").orElse("?") + " ("
        + field(text, "error").orElse("?") + "); until the machine has rebooted, what is read here may include writes the"
        + " disk lost (" + marker + ")");
  }

  /** The marker's text; empty when it cannot be read (its presence alone still counts). */
  private static String read(Path marker) {
    try {
      return Files.readString(marker, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static Optional<String> field(String text, String name) {
    return text.lines().filter(l -> l.startsWith(name + "=")).map(l -> l.substring(name.length() + 1)).findFirst();
  }

  private static Optional<String> bootId() {
    try {
      return Optional.of(Files.readString(BOOT_ID, StandardCharsets.US_ASCII).trim()).filter(s -> !s.isEmpty());
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
