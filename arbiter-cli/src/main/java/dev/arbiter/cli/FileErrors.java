package dev.arbiter.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * Why a file operation failed, in words. The JDK's file exceptions carry only the path as their
 * message ("cannot read k/ledger.pub: k/ledger.pub", or just "NoSuchFileException").
 */
public final class FileErrors {
  private FileErrors() {}

  public static String reason(IOException e) {
    return switch (e) {
      case AccessDeniedException a -> "permission denied" + other(a);
      case NoSuchFileException n -> "no such file or directory" + other(n);
      case FileAlreadyExistsException f -> "already exists" + other(f);
      case NotDirectoryException d -> "not a directory" + other(d);
      case FileSystemException f when f.getReason() != null -> f.getReason() + other(f);
      default -> e.getMessage() == null ? e.getClass().getSimpleName() : Text.safe(e.getMessage());
    };
  }

  /**
   * True when the failure comes from the path the caller gave (no permission, not a directory, a
   * directory where a file goes, a read-only file system, no such directory): bad input, exit 2.
   * False for the rest (a full disk, an I/O error): unavailable, exit 3.
   */
  public static boolean isCallersChoice(IOException e) {
    if (e instanceof AccessDeniedException || e instanceof NoSuchFileException || e instanceof NotDirectoryException
        || e instanceof FileAlreadyExistsException || e instanceof java.nio.file.DirectoryNotEmptyException) {
      return true;
    }
    String reason = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : String.valueOf(e.getMessage());
    return reason.contains("Is a directory") || reason.contains("Not a directory") || reason.contains("Read-only file system")
        || reason.contains("Operation not permitted") || reason.contains("Permission denied");
  }

  /** The path the failure concerns, when the exception names one (a temporary file, a parent directory). */
  private static String other(FileSystemException e) {
    return e.getFile() == null ? "" : " (" + Text.safe(e.getFile()) + ")";
  }
}
