package dev.arbiter.gateway.burn;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * Which gateway process owns an open execution: {@code host pid start}. Gateways may share a burn
 * file (on one host: SQLite needs one), so a restarted gateway must tell its dead predecessor's
 * executions from a live sibling's, which may be calling a tool right now. A row is taken over only
 * when it names this host and its process is gone (no process with that pid, or one started at
 * another time: pids are reused). Rows of another host name (a container sharing the file through a
 * volume) are never taken over: whether that process lives cannot be known from here.
 */
public final class Owner {
  private static final String SELF = describe(ProcessHandle.current());

  private Owner() {}

  /** This process. */
  public static String current() {
    return SELF;
  }

  /** True when {@code owner} is a process of this host that no longer runs. */
  public static boolean isGone(String owner) {
    String[] parts = owner.split(" ");
    if (parts.length != 3 || !parts[0].equals(host())) {
      return false;
    }
    long pid;
    try {
      pid = Long.parseLong(parts[1]);
    } catch (NumberFormatException e) {
      return false;
    }
    Optional<ProcessHandle> p = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    return p.isEmpty() || !describe(p.get()).equals(owner) || zombie(pid);
  }

  /** True when {@code owner} names another host than this one: its process cannot be looked at from here. */
  public static boolean elsewhere(String owner) {
    String[] parts = owner.split(" ");
    return parts.length != 3 || !parts[0].equals(host());
  }

  /**
   * A killed process stays in the process table until its parent reaps it, and the JDK calls it alive
   * (black-box run: 600 ms after SIGKILL, and a gateway restarted at once took it for a live sibling).
   */
  private static boolean zombie(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
      int close = stat.lastIndexOf(')'); // the command name may contain spaces and parentheses
      return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) == 'Z';
    } catch (IOException | RuntimeException e) {
      return false; // not Linux, or gone just now (the next look sees it gone)
    }
  }

  private static String describe(ProcessHandle p) {
    return host() + " " + p.pid() + " " + p.info().startInstant().map(Instant::toString).orElse("unknown");
  }

  private static String host() {
    try {
      String h = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.US_ASCII).strip();
      if (!h.isEmpty() && h.chars().noneMatch(Character::isWhitespace)) {
        return h;
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: the JDK's name below
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName().replace(' ', '_');
    } catch (IOException e) {
      return "localhost";
    }
  }
}
