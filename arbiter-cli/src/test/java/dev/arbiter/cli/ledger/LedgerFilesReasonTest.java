package dev.arbiter.cli.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

class LedgerFilesReasonTest {

  @Test
  void saysWhy_notJustThePathAgain() {
    assertThat(LedgerFiles.reason(new AccessDeniedException("/k/ledger.pub"))).startsWith("permission denied");
    assertThat(LedgerFiles.reason(new NoSuchFileException("/nope/x.json"))).startsWith("no such file or directory");
    assertThat(LedgerFiles.reason(new FileSystemException("/proc/x.json", null, "Read-only file system")))
        .startsWith("Read-only file system").contains("/proc/x.json");
    assertThat(LedgerFiles.reason(new IOException("disk on fire"))).isEqualTo("disk on fire");
  }

  /** The checkpoint command writing under /proc, where nothing can be created: the reason, not the temp file's path. */
  @Test
  void aTemporaryFileUnderProc_isExplainedByItsReason() {
    IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
        () -> java.nio.file.Files.createTempFile(java.nio.file.Path.of("/proc"), ".checkpoint", ".tmp"));
    assertThat(LedgerFiles.reason(e)).doesNotStartWith("/proc");
  }
}
