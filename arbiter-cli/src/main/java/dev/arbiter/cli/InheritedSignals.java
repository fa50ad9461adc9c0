package dev.arbiter.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether this process was started with SIGINT ignored. A shell without job control starts
 * background commands that way, and a JVM then cannot stop on Ctrl-C or {@code kill -INT}: the
 * quickstart says so, instead of seeming to hang. ({@code ./arbiter} resets it; {@code java -jar}
 * cannot.)
 */
final class InheritedSignals {
  private static final long SIGINT_BIT = 1L << (2 - 1);

  private InheritedSignals() {}

  static boolean sigintIgnored() {
    try {
      return sigintIgnored(Files.readString(Path.of("/proc/self/status")));
    } catch (IOException | RuntimeException e) {
      return false; // not Linux: nothing to say
    }
  }

  /** Reads the {@code SigIgn:} mask of a {@code /proc/PID/status} text. */
  static boolean sigintIgnored(String procStatus) {
    return ignoredMask(procStatus).map(mask -> (mask & SIGINT_BIT) != 0).orElse(false);
  }

  private static Optional<Long> ignoredMask(String procStatus) {
    return procStatus.lines().filter(l -> l.startsWith("SigIgn:")).findFirst()
        .map(l -> Long.parseUnsignedLong(l.substring("SigIgn:".length()).strip(), 16));
  }
}
